"""What WeChat Official Accounts and WeCom apps share: Tencent's callback signatures and
AES envelopes, its XML, its API with access tokens, and the runner that puts a
callback's message through the engine within the platform's five seconds.

Only the ``wechat_oa`` and ``wecom`` channel packages import this package.
"""
