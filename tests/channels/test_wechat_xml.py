"""WeChat XML is read without entity expansion of any kind."""

import pytest

from c2cbot.channels._tencent.xml import MAX_BODY, UnsafeXml, read_message

TEXT = (
    b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_user]]>"
    b"</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    b"<Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd <b>&amp;</b>]]></Content><MsgId>42</MsgId></xml>"
)


def test_a_text_message_is_read() -> None:
    message = read_message(TEXT)
    assert message["Content"] == "你好 <b>&amp;</b>"
    assert message["MsgId"] == "42"


DOCTYPE = '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
NOT_UTF8 = [
    DOCTYPE.encode("utf-16"),  # with its byte order mark
    DOCTYPE.encode("utf-16-le"),  # without: the DOCTYPE guard reads bytes as UTF-8
    DOCTYPE.encode("utf-32"),
    "<xml><Content>hi</Content></xml>".encode("utf-16-be"),
    b"\xef\xbb\xbf<xml><Content>hi</Content></xml>",
    '<?xml version="1.0" encoding="GB18030"?><xml><Content>你好</Content></xml>'.encode("gb18030"),
    b'<?xml version="1.0" encoding="ISO-8859-1"?><xml><Content>\xe9</Content></xml>',
]


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b'<!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml/>',
        b'<xml><Content><!ENTITY x "y"></Content></xml>',
        b"<xml><Content>unclosed</xml>",
        b"<notxml/>",
        b"",
        b"<xml>" + b"a" * MAX_BODY + b"</xml>",
        *NOT_UTF8,
    ],
)
def test_unsafe_or_broken_xml_is_refused(body: bytes) -> None:
    with pytest.raises(UnsafeXml):
        read_message(body)
