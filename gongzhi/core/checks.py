"""Deployment checks of Gongzhi's own, run by `manage.py check --deploy` beside Django's (docs/security.md).

Django's security checks cannot know that the project ships a public demo key, a demo switch and a
Content-Security-Policy; these do. Each message is Chinese first, like the start-up refusal in settings.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEMO_KEY_IN_PRODUCTION = (
    "SECRET_KEY 是公开的演示密钥；生产环境请换成自己的随机密钥。"
    " / SECRET_KEY is the public demo key; set a random key of your own."
)
DEMO_SWITCH_ON = (
    "GONGZHI_DEMO 已开启：演示模式允许公开密钥和明文 HTTP，生产环境不得开启。"
    " / GONGZHI_DEMO is on: the demo allows the public key and plain HTTP; never set it in production."
)
CSP_WEAKENED = (
    "内容安全策略（CONTENT_SECURITY_POLICY）缺少必需的限制或含有 'unsafe-inline'/'unsafe-eval'。"
    " / The Content-Security-Policy lacks a required directive or allows 'unsafe-inline'/'unsafe-eval'."
)
DEVICE_KEY_MISSING = (
    "未设置 GONGZHI_DEVICE_KEY：设备密钥将由 SECRET_KEY 派生，轮换 SECRET_KEY 会使所有设备签名失效。"
    " / GONGZHI_DEVICE_KEY is not set: device secrets derive from SECRET_KEY, so rotating SECRET_KEY"
    " breaks every device's signature."
)

# What the site-wide policy must keep (a view that needs more relaxes it for itself with csp decorators).
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


@register(Tags.security, deploy=True)
def check_demo_off(app_configs=None, **kwargs):
    problems = []
    if settings.SECRET_KEY == getattr(settings, "DEMO_SECRET_KEY", None):
        problems.append(Warning(DEMO_KEY_IN_PRODUCTION, id="gongzhi.W001"))
    if getattr(settings, "GONGZHI_DEMO", False):
        problems.append(Warning(DEMO_SWITCH_ON, id="gongzhi.W002"))
    return problems


@register(Tags.security, deploy=True)
def check_device_key(app_configs=None, **kwargs):
    if not getattr(settings, "GONGZHI_DEVICE_KEY", ""):
        return [Warning(DEVICE_KEY_MISSING, id="gongzhi.W004")]
    return []


@register(Tags.security, deploy=True)
def check_content_security_policy(app_configs=None, **kwargs):
    directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES") or {}
    missing = any(value not in (directives.get(name) or ()) for name, value in REQUIRED_DIRECTIVES.items())
    unsafe = any(
        source in ("'unsafe-inline'", "'unsafe-eval'")
        for sources in directives.values() if isinstance(sources, list | tuple | set)
        for source in sources
    )
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE or missing or unsafe:
        return [Warning(CSP_WEAKENED, id="gongzhi.W003")]
    return []
