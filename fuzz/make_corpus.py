#!/usr/bin/python3
"""Writes the seed corpora of fuzz/corpus/<target>/ (run from anywhere: fuzz/make_corpus.py).

Seeds are small, readable cases: the valid shapes of each protocol and the edge cases of
/work/shared/CONFORMANCE.md, wrapped in the input layout of fuzz/split_input.h (an options byte,
then the piece lengths that cut the stream) so each one is also replayed in pieces.

Files named crash-* are regression inputs saved from fuzzing; this script never touches them.
It rewrites every other seed, so edit seeds here, not by hand.
"""

import hashlib
import hmac
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def split_input(payload, options=0, lengths=(), scale16=False):
    """The split_input.h layout: options, count (+ scale bit), length bytes (b + 1), payload."""
    assert len(lengths) <= 15
    header = bytes([options, len(lengths) | (0x10 if scale16 else 0)])
    unit = 16 if scale16 else 1
    return header + bytes((n // unit) - 1 for n in lengths) + payload


# Cuts so the seeds of one target are fed in different ways; each seed's cut is chosen by a hash
# of its name, so adding a seed does not change the files of the others.
CUTS = [(), (7,), (1, 2, 3), (64,), (5, 200, 1), (13, 29)]


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    assert len(data) < 4096, (target, name, len(data))
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def clean(target):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("crash-"):
            os.remove(os.path.join(directory, name))


def write_all(target, seeds, options=0):
    """seeds: {name: payload} or {name: (payload, options)}."""
    clean(target)
    for name, seed in sorted(seeds.items()):
        payload, opts = seed if isinstance(seed, tuple) else (seed, options)
        write(target, name, split_input(payload, opts, CUTS[zlib.crc32(name.encode()) % len(CUTS)]))


# --- HTTP -----------------------------------------------------------------------------------

def req(head, body=b""):
    return head.replace(b"\n", b"\r\n") + b"\r\n" + body


GET = req(b"GET / HTTP/1.1\nHost: a\n")
HTTP_REQUESTS = {
    "get": GET,
    "get_query": req(b"GET /inspect?a=1&b=%20x&a=2 HTTP/1.1\nHost: a\nCookie: s=1; t=2\n"),
    "post_length": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 5\n"
                       b"Content-Type: text/plain\n", b"hello"),
    "post_chunked": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"),
    "pipelined": GET + req(b"GET /json HTTP/1.1\nHost: a\n") +
                 req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 2\n", b"hi"),
    "http10_keepalive": req(b"GET / HTTP/1.0\nConnection: keep-alive\n") + req(b"GET / HTTP/1.0\n"),
    "connection_close_then_more": req(b"GET / HTTP/1.1\nHost: a\nConnection: close\n") + GET,
    "expect_continue": req(b"POST /echo HTTP/1.1\nHost: a\nExpect: 100-continue\n"
                           b"Content-Length: 3\n", b"abc"),
    "options_star": req(b"OPTIONS * HTTP/1.1\nHost: a\n"),
    "connect": req(b"CONNECT example.com:443 HTTP/1.1\nHost: example.com\n"),
    "absolute_form": req(b"GET http://a.example/p?q=1 HTTP/1.1\nHost: a.example\n"),
    "leading_crlf": b"\r\n\r\n" + GET,
    "two_content_lengths": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 4\n"
                               b"Content-Length: 5\n", b"abcde"),
    "same_content_lengths": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 4\n"
                                b"Content-Length: 4\n", b"abcd"),
    "cl_and_te": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 4\n"
                     b"Transfer-Encoding: chunked\n", b"0\r\n\r\n"),
    "te_chunked_gzip": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, gzip\n"),
    "te_pigeons": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: pigeons\n"),
    "obs_fold": req(b"GET / HTTP/1.1\nHost: a\nX: a\n b\n"),
    "space_before_colon": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length : 4\n", b"abcd"),
    "space_before_first_header": req(b"GET / HTTP/1.1\n Host: a\n"),
    "missing_host": req(b"GET / HTTP/1.1\n"),
    "two_hosts": req(b"GET / HTTP/1.1\nHost: a\nHost: b\n"),
    "chunk_size_zz": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                         b"zz\r\nab\r\n0\r\n\r\n"),
    "chunk_size_minus": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                            b"-1\r\n"),
    "chunk_size_trailing_space": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                                     b"a \r\n0123456789\r\n0\r\n\r\n"),
    "chunk_size_17_digits": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                                b"10000000000000000\r\n"),
    "chunk_data_no_crlf": req(b"POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n",
                              b"3\r\nabcXY0\r\n\r\n"),
    "bare_cr": b"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n",
    "bare_lf": b"GET / HTTP/1.1\nHost: a\n\n",
    "http2": req(b"GET / HTTP/2.0\nHost: a\n"),
    "http101": req(b"GET / HTTP/1.01\nHost: a\n"),
    "htp": req(b"GET / HTP/1.1\nHost: a\n"),
    "cl_plus": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: +5\n", b"abcde"),
    "cl_space": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 4 2\n"),
    "cl_empty": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length:\n"),
    "cl_list_empty_element": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 2,\n", b"ab"),
    "cl_huge": req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 1000000000000000000000\n"),
    "http10_te": req(b"POST /echo HTTP/1.0\nTransfer-Encoding: chunked\n", b"0\r\n\r\n"),
    "long_target": req(b"GET /" + b"a" * 300 + b" HTTP/1.1\nHost: a\n"),
    "many_headers": req(b"GET / HTTP/1.1\nHost: a\n" + b"X-Pad: " + b"p" * 60 + b"\n" * 1),
}


def http_request_parser():
    seeds = dict(HTTP_REQUESTS)
    # Small limits (options bits): max_body 10, header section 300, target 20.
    seeds["limits_body"] = (HTTP_REQUESTS["post_length"].replace(b": 5", b": 11") + b"x" * 6,
                            0b000010)
    seeds["limits_section"] = (HTTP_REQUESTS["many_headers"] * 3, 0b001000)
    seeds["limits_target"] = (HTTP_REQUESTS["long_target"], 0b100000)
    write_all("http_request_parser", seeds)


def http_chunked_decoder():
    seeds = {
        "simple": b"5\r\nhello\r\n0\r\n\r\n",
        "extensions": b"5;a=b;c\r\nhello\r\n3 ;x=\"q\"\r\nabc\r\n0\r\n\r\n",
        "trailers": b"1\r\na\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\nNEXT",
        "upper_hex": b"A\r\n0123456789\r\n0\r\n\r\n",
        "empty": b"0\r\n\r\n",
        "zz": b"zz\r\n",
        "minus": b"-1\r\n",
        "trailing_space": b"a \r\n0123456789\r\n0\r\n\r\n",
        "seventeen_digits": b"10000000000000000\r\n",
        "sixteen_digits": b"0000000000000003\r\nabc\r\n0\r\n\r\n",
        "no_crlf_after_data": b"3\r\nabcX\r\n",
        "bare_lf": b"3\nabc\r\n0\r\n\r\n",
        "bare_cr": b"3\rabc\r\n0\r\n\r\n",
        "over_body": (b"6\r\nabcdef\r\n0\r\n\r\n", 0b10),   # max_body 5
        "over_trailer": (b"0\r\nX-Long: " + b"y" * 40 + b"\r\n\r\n", 0b1000),  # trailer 10
        "bad_trailer": b"0\r\nno colon\r\n\r\n",
    }
    write_all("http_chunked_decoder", seeds)


def resp(head, body=b""):
    return head.replace(b"\n", b"\r\n") + b"\r\n" + body


def http_response_parser():
    ok = resp(b"HTTP/1.1 200 OK\nContent-Length: 5\n", b"hello")
    seeds = {
        "content_length": ok,
        "chunked": resp(b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
                        b"5\r\nhello\r\n0\r\nT: 1\r\n\r\n"),
        "until_close": (resp(b"HTTP/1.1 200 OK\n", b"body until close"), 0b10),
        "te_gzip_until_close": (resp(b"HTTP/1.1 200 OK\nTransfer-Encoding: gzip\n", b"zzz"), 0b10),
        "te_gzip_chunked": resp(b"HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n",
                                b"0\r\n\r\n"),
        "no_content": resp(b"HTTP/1.1 204 No Content\n") + ok,
        "not_modified": resp(b"HTTP/1.1 304 Not Modified\nContent-Length: 10\n") + ok,
        "head": (resp(b"HTTP/1.1 200 OK\nContent-Length: 10\n") + ok, 0b1),
        "continue_then_ok": resp(b"HTTP/1.1 100 Continue\n") + ok,
        "switching": resp(b"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n"
                          b"Connection: Upgrade\n") + b"\x81\x02hi",
        "http10": resp(b"HTTP/1.0 200 OK\nContent-Length: 2\n", b"ok"),
        "connection_close": resp(b"HTTP/1.1 200 OK\nConnection: close\nContent-Length: 2\n",
                                 b"ok") + ok,
        "pipelined": ok + ok + resp(b"HTTP/1.1 404 Not Found\nContent-Length: 0\n"),
        "no_reason": b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
        "bad_status": resp(b"HTTP/1.1 20 OK\n"),
        "http2": resp(b"HTTP/2.0 200 OK\n"),
        "two_lengths": resp(b"HTTP/1.1 200 OK\nContent-Length: 1\nContent-Length: 2\n", b"ab"),
        "small_limits": (ok + resp(b"HTTP/1.1 200 OK\n" + b"X: " + b"v" * 200 + b"\n"), 0b0100),
        "body_limit": (ok, 0b1100),
        "truncated": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0b10),
    }
    write_all("http_response_parser", seeds)


# --- WebSocket ------------------------------------------------------------------------------

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(opcode, payload, fin=True, mask=MASK, rsv=0, length_form=None):
    """One frame; length_form 16 or 64 forces a (possibly non-minimal) extended length."""
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if length_form == 64 or (length_form is None and n > 0xFFFF):
        head = bytes([b0, mask_bit | 127]) + struct.pack(">Q", n)
    elif length_form == 16 or (length_form is None and n > 125):
        head = bytes([b0, mask_bit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, mask_bit | n])
    if not mask:
        return head + payload
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


def websocket_frames(masked):
    m = MASK if masked else None
    f = lambda *a, **k: frame(*a, mask=m, **k)  # noqa: E731
    return {
        "text_0": f(1, b""),
        "text_125": f(1, b"a" * 125),
        "text_126": f(1, b"b" * 126),
        "binary_128": f(2, bytes(range(128))),
        "binary_16bit_nonminimal": f(2, b"xyz", length_form=16),
        "binary_64bit_small": f(2, b"0123456789", length_form=64),
        "binary_1000": f(2, bytes(i % 256 for i in range(1000))),
        "ping_pong_close": f(9, b"ping") + f(10, b"pong") + f(8, close_payload(1000)),
        "fragmented_with_ping": f(1, b"Hel", fin=False) + f(9, b"") + f(0, b"lo", fin=False) +
                                f(0, b"!"),
        "rsv1": f(1, b"x", rsv=0x40),
        "opcode_3": f(3, b""),
        "opcode_11": f(11, b""),
        "continuation_alone": f(0, b"x"),
        "text_inside_message": f(1, b"a", fin=False) + f(1, b"b"),
        "ping_126": f(9, b"p" * 126),
        "fragmented_ping": f(9, b"p", fin=False),
        "wrong_masking": frame(1, b"x", mask=None if masked else MASK),
        "length_msb": bytes([0x82, (0x80 if masked else 0) | 127]) + b"\x80" + b"\0" * 7 +
                      (MASK if masked else b""),
        "over_limit_16": (f(2, b"q" * 17), 0b10),  # limit 16
        "fragments_over_limit": (f(2, b"q" * 10, fin=False) + f(0, b"q" * 10), 0b10),
        "truncated_payload": f(2, b"0123456789")[:-4],
        "truncated_header": f(2, b"x" * 300)[:3],
    }


def websocket_frame(target, masked):
    write_all(target, websocket_frames(masked))


def websocket_session():
    f = frame
    seeds = {
        "echo_text": f(1, "κόσμε".encode()),
        "echo_binary": f(2, bytes(range(256))),
        "ping": f(9, b"are you there"),
        "pings_10": f(9, b"p") * 10,
        "unsolicited_pong": f(10, b"x") + f(1, b"after"),
        "close_1000": f(8, close_payload(1000)),
        "close_empty": f(8, b""),
        "close_3000_reason": f(8, close_payload(3000, b"bye")),
        "close_1_byte": f(8, b"\x03"),
        "close_999": f(8, close_payload(999)),
        "close_1005": f(8, close_payload(1005)),
        "close_bad_reason": f(8, close_payload(1000, b"\xff")),
        "invalid_utf8": f(1, b"ok") + f(1, b"\xc0\xaf"),
        "surrogate": f(1, b"\xed\xa0\x80"),
        "above_max": f(1, b"\xf4\x90\x80\x80"),
        "utf8_across_fragments": f(1, b"\xce", fin=False) + f(0, b"\xba"),
        "utf8_truncated_at_end": f(1, b"a\xe2\x82"),
        "invalid_mid_frame": f(1, b"valid text then \xff and more")[:-4],
        "fragmented": f(1, b"a", fin=False) + f(0, b"b", fin=False) + f(0, b"c"),
        "rsv_after_valid": f(1, b"first") + f(1, b"x", rsv=0x20),
        "unmasked": f(1, b"x", mask=None),
        "after_close": f(8, close_payload(1000)) + f(1, b"ignored"),
        "over_limit": (f(1, b"x" * 11), 0b1000),  # ws limit 10
        "broadcast": (f(1, b"to all") + f(9, b""), 0b10),
        "peer_close": (f(1, b"bye"), 0b1),
    }
    write_all("websocket_session", seeds)


def handshake(target=b"/chat", headers=None, method=b"GET", version=b"HTTP/1.1"):
    fields = {
        b"Host": b"localhost",
        b"Upgrade": b"websocket",
        b"Connection": b"Upgrade",
        b"Sec-WebSocket-Key": KEY,
        b"Sec-WebSocket-Version": b"13",
    }
    fields.update(headers or {})
    lines = [method + b" " + target + b" " + version]
    lines += [k + b": " + v for k, v in fields.items() if v is not None]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def websocket_handshake():
    token = hmac.new(b"fuzz-secret", b"7", hashlib.sha256).hexdigest().encode()
    seeds = {
        "valid": handshake(),
        "valid_with_frames": handshake() + frame(1, b"hello") + frame(8, close_payload(1000)),
        "version_12": handshake(headers={b"Sec-WebSocket-Version": b"12"}),
        "no_version": handshake(headers={b"Sec-WebSocket-Version": None}),
        "no_key": handshake(headers={b"Sec-WebSocket-Key": None}),
        "bad_key": handshake(headers={b"Sec-WebSocket-Key": b"short"}),
        "post": handshake(method=b"POST"),
        "http10": handshake(version=b"HTTP/1.0"),
        "no_upgrade": handshake(headers={b"Upgrade": None}),
        "connection_list": handshake(headers={b"Connection": b"keep-alive, Upgrade"}),
        "upgrade_case": handshake(headers={b"Upgrade": b"WebSocket"}),
        "deflate_offer": handshake(headers={b"Sec-WebSocket-Extensions": b"permessage-deflate"}),
        "broadcast_refused": handshake(b"/broadcast"),
        "broadcast_allowed": (handshake(b"/broadcast"), 0b10),
        "token_valid": (handshake(b"/chat?uid=7&token=" + token), 0b100),
        "token_wrong": (handshake(b"/chat?uid=7&token=00"), 0b100),
        "token_missing": (handshake(), 0b100),
        "not_http": b"\x16\x03\x01\x02\x00",
        "two_requests": handshake(headers={b"Sec-WebSocket-Version": b"8"}) + handshake(),
    }
    write_all("websocket_handshake", seeds)


def http_session():
    seeds = dict((k, v) for k, v in HTTP_REQUESTS.items() if k not in ("many_headers",))
    seeds.update({
        "routes": req(b"GET /json HTTP/1.1\nHost: a\n") + req(b"HEAD / HTTP/1.1\nHost: a\n") +
                  req(b"GET /bytes?n=30 HTTP/1.1\nHost: a\n") + req(b"HEAD /bytes?n=9 HTTP/1.1\nHost: a\n") +
                  req(b"GET /nope HTTP/1.1\nHost: a\n") + req(b"DELETE / HTTP/1.1\nHost: a\n"),
        "bad_bytes_param": req(b"GET /bytes?n=x HTTP/1.1\nHost: a\n") + GET,
        "sleep_pipelined": req(b"GET /sleep?ms=5 HTTP/1.1\nHost: a\n") + GET +
                           req(b"GET /sleep?ms=0 HTTP/1.1\nHost: a\n") + GET,
        "sleep_then_close": (req(b"GET /sleep?ms=20 HTTP/1.1\nHost: a\n") + GET, 0b1),
        "upgrade_in_http": handshake() + frame(1, b"hi") + frame(9, b""),
        "upgrade_broadcast": (handshake(b"/broadcast") + frame(1, b"all"), 0b1000),
        "upgrade_bad": handshake(headers={b"Sec-WebSocket-Version": b"7"}) + GET,
        "body_over_limit": (req(b"POST /echo HTTP/1.1\nHost: a\nContent-Length: 17\n") + b"x" * 17,
                            0b010),
        "chunked_over_limit": (HTTP_REQUESTS["post_chunked"], 0b010),
        "inspect_binary": req(b"GET /inspect?x=%ff HTTP/1.1\nHost: a\nX-Bin: \xff\xfe\n"),
        "sleep_backlog": (req(b"GET /sleep?ms=1 HTTP/1.1\nHost: a\n") + GET * 70, 0b010),
    })
    write_all("http_session", seeds)


# --- the rest -------------------------------------------------------------------------------

def utf8():
    seeds = {
        "ascii": b"Hello, World! 0123456789",
        "greek": "κόσμε".encode(),
        "all_lengths": "a\u00e9\u20ac\U0001F600".encode(),
        "boundaries": "\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010FFFF"
                      .encode("utf-8", "surrogatepass"),
        "overlong_c0": b"\xc0\xaf",
        "overlong_e0": b"\xe0\x80\xaf",
        "overlong_f0": b"\xf0\x80\x80\xaf",
        "surrogate": b"\xed\xa0\x80",
        "above_max": b"\xf4\x90\x80\x80",
        "f5": b"\xf5\x80\x80\x80",
        "stray_continuation": b"a\x80b",
        "truncated": b"abc\xe2\x82",
        "long_ascii_then_bad": b"x" * 40 + b"\xff",
        "mixed_long": ("ascii " * 10 + "ünïcödé " * 10).encode(),
    }
    write_all("utf8", seeds)


def eof_session():
    # options: bits 0-2 delimiter (0 "\r\n", 1 "\n", 2 NUL, 3 "aa", 4 "aba", 5 CRLFCRLF,
    # 6 "END", 7 "xyzxy"); bits 3-5 limit class; bit 6 peer close.
    seeds = {
        "crlf_messages": (b"one\r\ntwo\r\n\r\nthree", 0),
        "lf": (b"a\nbb\n\nccc\n", 1),
        "nul": (b"x\0yy\0", 2),
        "aa_overlap": (b"baaaab" + b"aa" + b"xa" + b"a", 3),
        "aba_overlap": (b"ababa" + b"xabababa", 4),
        "double_crlf": (b"GET / HTTP/1.1\r\nHost: a\r\n\r\nnext\r\n\r\n", 5),
        "end": (b"firstENDsecondENENDEND", 6),
        "xyzxy": (b"xyzxyzxyxyzxy", 7),
        "limit_exact": (b"abc\r\nabcd\r\n", 2 << 3),  # limit 2 + 1 = 3 -> "abc\r\n" is over
        "limit_plus_8": (b"12345678\r\n123456789\r\n", 4 << 3),
        "no_delimiter_over_limit": (b"x" * 80, 6 << 3),
        "half_delimiter": (b"line ending in lf only\n" * 3, 5 << 3),
        "peer_close_partial": (b"done\r\nunfinished", 1 << 6),
    }
    write_all("eof_session", seeds)


def lf(body):
    return struct.pack(">I", len(body)) + body


def length_session():
    # options: bits 0-2 limit (default, 0, 1, 5, 16, 100, 1000, 0x7fffffff); bit 3 peer close.
    seeds = {
        "frames": (lf(b"hello") + lf(b"") + lf(bytes(range(200))), 0),
        "zero_limit": (lf(b"") + lf(b"") + lf(b"x"), 1),
        "limit_5": (lf(b"12345") + lf(b"123456"), 3),
        "http_get": (b"GET / HTTP/1.1\r\n\r\n", 0),
        "tls": (b"\x16\x03\x01\x02\x00\x01" + b"\0" * 20, 0),
        "max_signed": (b"\x7f\xff\xff\xff", 0),
        "max_unsigned": (b"\xff\xff\xff\xff", 7),
        "little_endian": (b"\x05\x00\x00\x00hello", 0),
        "text_header": (b"abc\n", 0),
        "ssh": (b"SSH-2.0-x\r\n", 0),
        "truncated_header": (lf(b"ok") + b"\x00\x00", 0),
        "truncated_body": (lf(b"ok") + b"\x00\x00\x00\x09abc", 8),
    }
    write_all("length_session", seeds)


def timer_input(payload, options=0, steps=()):
    """timer_session_fuzzer.cc's layout: options, n, n (length-1, step) pairs, payload."""
    body = b"".join(bytes([length - 1, step]) for length, step in steps)
    return bytes([options, len(steps)]) + body + payload


def timer_session():
    seeds = {
        "after": (b"AFTER 10 a\r\nAFTER 0 now\r\n", 0, ((4, 0), (9, 20))),
        "tick": (b"TICK 5 3 t\r\n", 0, ((100, 3),)),
        "cancel": (b"TICK 2 100 t\r\nAFTER 50 x\r\nCANCEL t\r\n", 2, ((14, 7), (3, 1))),
        "cancel_unknown": (b"CANCEL nobody\r\n", 0, ()),
        "duplicate": (b"AFTER 100 d\r\nAFTER 5 d\r\nAFTER 0 e\nAFTER 0 e\n", 0, ((8, 0),)),
        "reuse_after_fire": (b"AFTER 1 r\r\nAFTER 1 r\r\n", 2, ((11, 0), (11, 2))),
        "bad_lines": (b"after 1 x\r\nAFTER\r\nAFTER x y\r\nAFTER 1 a b\r\nTICK 0 1 z\r\n"
                      b"TICK 1 0 z\r\nAFTER 86400001 big\r\nAFTER 99999999999999999999999 o\r\n"
                      b"AFTER -1 n\r\nFOO\r\n\r\n", 0, ((16, 0),)),
        "blanks": (b"  AFTER\t3 \t tabbed  \r\n", 0, ((5, 0), (1, 4))),
        "bad_ids": (b"AFTER 1 \x01\r\nAFTER 1 " + b"i" * 65 + b"\r\nAFTER 1 \x7f\r\n", 0, ()),
        "long_line": (b"AFTER 1 " + b"x" * 1100 + b"\r\nAFTER 1 y\r\n", 0, ((255, 0),)),
        "line_1024": (b"AFTER 1 x" + b" " * 1015 + b"\r\nAFTER 0 ok\r\n", 0, ((200, 0),)),
        "bare_lf": (b"AFTER 0 a\nAFTER 0 b\n", 0, ()),
        "same_deadline": (b"AFTER 5 a\r\nTICK 5 2 b\r\nAFTER 10 c\r\n", 1, ((40, 0), (1, 1))),
        "late_driver": (b"TICK 3 5 late\r\n", 0, ((15, 0), (1, 200))),
        "peer_close": (b"TICK 1 1000 p\r\n", 4, ((15, 2),)),
    }
    clean("timer_session")
    for name, (payload, options, steps) in sorted(seeds.items()):
        write("timer_session", name, timer_input(payload, options, steps))


def main():
    http_request_parser()
    http_chunked_decoder()
    http_response_parser()
    http_session()
    websocket_frame("websocket_frame_server", masked=True)
    websocket_frame("websocket_frame_client", masked=False)
    websocket_session()
    websocket_handshake()
    utf8()
    eof_session()
    length_session()
    timer_session()
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} files", file=sys.stderr)


if __name__ == "__main__":
    main()
