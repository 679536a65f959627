"""gongzhi verify: check notice files and proofs against a signed head, or the whole log.

    gongzhi verify notice-17.json --key log-key.pem            a downloaded notice file
    gongzhi verify notice-17.json --key k.pem --head head.json   ... against a head you hold
    gongzhi verify proof.json --head head.json --key k.pem     an inclusion proof
    gongzhi verify proof.json --old-head a.json --head b.json --key k.pem   a consistency proof
    gongzhi verify --all                                       rebuild the log from the database

--key takes a PEM public key or the JSON of /api/v1/log/keys. Exit status 0 means verified.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.notices import verification


class Command(BaseCommand):
    help = "核对公示文件、证明或整个透明日志 / Verify a notice file, a proof, or the whole transparency log"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="notice file, inclusion proof or consistency proof (JSON)")
        parser.add_argument("--all", action="store_true", help="rebuild the tree from the stored records")
        parser.add_argument("--key", help="published public key(s): PEM, or JSON from /api/v1/log/keys")
        parser.add_argument("--head", help="a signed tree head (JSON from /api/v1/log/head)")
        parser.add_argument("--old-head", help="the earlier head, for a consistency proof")
        parser.add_argument("--no-files", action="store_true", help="with --all: do not re-hash attachment files")
        parser.add_argument("--workers", type=int, default=None,
                            help="with --all: worker processes (default 2 on PostgreSQL, 0 on SQLite)")

    def handle(self, *args, **options):
        if options["all"]:
            return self._all(options)
        if not options["file"]:
            raise CommandError("请给出要验证的文件，或使用 --all / Give a file to verify, or --all")
        try:
            message = self._file(options)
        except verification.VerificationError as exc:
            self.stderr.write(f"✘ 验证失败 / NOT VERIFIED: {exc}")
            sys.exit(1)
        self.stdout.write(f"✔ 已验证 / VERIFIED: {message}")

    def _read(self, path: str | None, what: str) -> bytes:
        if not path:
            raise verification.VerificationError(f"缺少 {what} / {what} is required")
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise verification.VerificationError(f"无法读取 {path}: {exc.strerror}") from None

    def _file(self, options) -> str:
        doc = verification.load_document(self._read(options["file"], "file"))
        keys = verification.load_keys(self._read(options["key"], "--key"))
        head = verification.load_document(self._read(options["head"], "--head")) if options["head"] else None
        kind = doc.get("type")
        if kind == "gongzhi-notice":
            entry = verification.check_notice_file(doc, keys, head)
            title = entry.get("content", {}).get("title", "")
            return f"公示 #{doc['leaf_index']}《{title}》在签名日志中，内容未被改动 / the notice is in the signed log, unaltered"
        if kind == "inclusion-proof":
            if head is None:
                raise verification.VerificationError("包含证明需要 --head / an inclusion proof needs --head")
            index = verification.check_inclusion(doc, head, keys)
            return f"条目 #{index} 在大小为 {head['tree_size']} 的签名树中 / leaf #{index} is in the signed tree"
        if kind == "consistency-proof":
            old = verification.load_document(self._read(options["old_head"], "--old-head"))
            if head is None:
                raise verification.VerificationError("一致性证明需要 --head / a consistency proof needs --head")
            verification.check_consistency(doc, old, head, keys)
            return (
                f"大小 {doc['second']} 的树包含大小 {doc['first']} 的树，未改写历史 / "
                "the later tree extends the earlier one"
            )
        raise verification.VerificationError(verification.MALFORMED.format(detail=f"未知类型 / unknown type {kind!r}"))

    def _all(self, options):
        # Only --all reads the database; checking a notice file stays light and works offline.
        from gongzhi.notices.rebuild import verify_all

        def progress(done):
            if options["verbosity"] > 1:
                self.stderr.write(f"  {done} ...")

        report = verify_all(progress=progress, check_files=not options["no_files"], workers=options["workers"])
        summary = (
            f"{report.leaves} 条记录, {report.nodes} 个节点, {report.heads} 个签名树头, {report.attachments} 个附件 / "
            f"{report.leaves} records, {report.nodes} nodes, {report.heads} heads, {report.attachments} attachments"
        )
        if report.ok:
            self.stdout.write(f"✔ 日志完整 / LOG INTACT: {summary}")
            return
        for problem in report.problems:
            self.stdout.write(f"✘ {problem}")
        self.stderr.write(f"✘ 发现 {len(report.problems)} 处不符 / {len(report.problems)} problems: {summary}")
        sys.exit(1)
