"""A slow provider for the worker tests, run inside `gongzhi worker` subprocesses: each send notes its key in
GONGZHI_TEST_SENDS/attempts, waits GONGZHI_TEST_SEND_SECONDS (a provider's round trip), then notes the key in
GONGZHI_TEST_SENDS/accepted (the provider has the message). Both files are appended and flushed line by line,
so a worker killed with SIGKILL leaves exactly what it had done."""

import os
import time
from pathlib import Path


def _note(name: str, key: str) -> None:
    with open(Path(os.environ["GONGZHI_TEST_SENDS"]) / name, "a") as out:
        out.write(key + "\n")
        out.flush()
        os.fsync(out.fileno())


class SlowRecorder:
    def send(self, row, *, key: str = "") -> None:
        _note("attempts", key)
        time.sleep(float(os.environ.get("GONGZHI_TEST_SEND_SECONDS", "0.4")))
        _note("accepted", key)


sender = SlowRecorder()


def read(folder: Path, name: str) -> list[str]:
    path = folder / name
    return path.read_text().split() if path.exists() else []
