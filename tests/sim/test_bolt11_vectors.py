"""The simulator's BOLT #11 oracle (tests/sim/bolt11.py) against the spec's own test vectors.

The vectors are copied verbatim from BOLT #11 ("Examples" and "Examples of
Invalid Invoices" in 11-payment-encoding.md of github.com/lightning/bolts,
commit a377265).  All are signed with PRIV_KEY; most carry TIMESTAMP, PAYMENT_HASH
and PAYMENT_SECRET.  Signatures are deterministic (RFC 6979), so every vector
bolt11.encode() can express (no f or r fields, no unknown fields, low-S) must
come out byte for byte; the others are decoded and compared field by field,
with the signature checked (recovery must give the spec's payee).
Run: /usr/bin/python3 -m pytest tests/sim/test_bolt11_vectors.py
"""
import collections
import hashlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bolt11  # noqa: E402

PRIV_KEY = bytes.fromhex("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734")
PAYEE = bytes.fromhex("03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad")
TIMESTAMP = 1496314658
PAYMENT_HASH = bytes.fromhex("0001020304050607080900010203040506070809000102030405060708090102")
PAYMENT_SECRET = bytes.fromhex("11" * 32)
F_8_14 = 1 << 8 | 1 << 14
CAKE = ("One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, "
        "one slice of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, "
        "and one slice of watermelon")
CAKE_HASH = bytes.fromhex("3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1")
BLOCKSTREAM = ('Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1, "Back In My Day" '
               'Sticker x 2, "I Got Lightning Working" Sticker x 2 and 1 more items')
# The "high-S" example keeps the recovery id of the low-S original with s
# replaced by n - s; recovery from that is another point (as libswgr's
# test_bolt11.c, libsecp256k1 and eclair have it): the spec only demands that
# it is accepted.
HIGH_S_PAYEE = bytes.fromhex("02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d")

# What decode() gives unless a vector says otherwise.
DEFAULTS = dict(network="bc", timestamp=TIMESTAMP, payment_hash=PAYMENT_HASH,
                payment_secret=PAYMENT_SECRET, description=None, description_hash=None,
                metadata=None, expiry=3600, min_final_cltv=18, features=F_8_14, payee=PAYEE,
                payee_field=False)

# id; the spec's heading; the invoice; the spec's SHA-256 of the signed data
# (where it gives one); the fields decode() must return (over DEFAULTS); and
# the order of the fields that encode() writes to reproduce it from those same
# fields, or None where encode() cannot.
Vector = collections.namedtuple("Vector", "id title invoice sighash want order")

VALID = [
    Vector('donation',
           'Please make a donation of any amount using payment_hash 00010203040506070809000102030405060708090...',
           "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5"
           "qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmm"
           "wwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6"
           "q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7m"
           "lcwspyetp5h2tztugp9lfyql",
           '6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987',
           dict(amount_msat=None, description="Please consider supporting this project"),
           "spd9"),
    Vector('coffee',
           'Please send $3 for a cup of coffee to the same peer, within one minute',
           "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zy"
           "gspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp"
           "3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27"
           "kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh",
           '047e24bf270b25d42a56d57b2578faa3a10684641bab817c2851a871cb41dbc0',
           dict(amount_msat=250_000_000, description="1 cup coffee", expiry=60),
           "spdx9"),
    Vector('nonsense',
           'Please send 0.0025 BTC for a cup of nonsense (ナンセンス 1杯) to the same peer, within one minute',
           "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zy"
           "gspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk0"
           "3c9wlrswe78q4eyqc7d8d0xqzpu9qrsgqhtjpauu9ur7fw2thcl4y9vfvh4m9wlfyz2gem"
           "29g5ghe2aak2pm3ps8fdhtceqsaagty2vph7utlgj48u0ged6a337aewvraedendscp573"
           "dxr",
           'f140d992ba419578ba9cfe1af85f92df90a76f442fb5e6e09b1f0582534ba87d',
           dict(amount_msat=250_000_000, description="ナンセンス 1杯", expiry=60),
           "spdx9"),
    Vector('hashed',
           'Now send $24 for an entire list of things (hashed)',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "pp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6q"
           "qdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txfraylvgzuxs8kgcw"
           "23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x3"
           "9ymw6j38gp7ynn44",
           'e2ffa444e2979edb639fbdaa384638683ba1a5240b14dd7a150e45a04eea261d',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           "sph9"),
    Vector('testnet-p2pkh',
           'The same, on testnet, with a fallback address mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP',
           "lntb20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "hp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rq"
           "wzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfpp3x9et2e20v6pu37c5d9vax37wxq"
           "72un989qrsgqdj545axuxtnfemtpwkc45hx9d2ft7x04mt8q7y6t0k2dge9e7h8kpy9p34"
           "ytyslj3yu569aalz2xdk8xkd7ltxqld94u8h2esmsmacgpghe9k8",
           '33bc6642a336097c74299cadfdfdd2e4884a555cf1b4fda72b095382d473d795',
           dict(network="tb", amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('p2pkh-routes',
           'On mainnet, with fallback address 1RustyRX2oai4EYYDpQGWvEL62BBGqN9T with extra routing info to go...',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "pp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6q"
           "qdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfpp3qjmp7lwpagxun9pygexvgpjdc4"
           "jdj85fr9yq20q82gphp2nflc7jtzrcazrra7wwgzxqc8u7754cdlpfrmccae92qgzqvzq2"
           "ps8pqqqqqqpqqqqq9qqqvpeuqafqxu92d8lr6fvg0r5gv0heeeqgcrqlnm6jhphu9y00rr"
           "hy4grqszsvpcgpy9qqqqqqgqqqqq7qqzq9qrsgqdfjcdk6w3ak5pca9hwfwfh63zrrz06w"
           "wfya0ydlzpgzxkn5xagsqz7x9j4jwe7yj7vaf2k9lqsdk45kts2fd0fkr28am0u4w95tt2"
           "nsq76cqw0",
           'b342d4655b984e53f405fe4d872fb9b7cf54ba538fcd170ed4a5906a9f535064',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('p2sh',
           'On mainnet, with fallback (P2SH) address 3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "hp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rq"
           "wzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppj3a24vwu6r8ejrss3axul8rxldp"
           "h2q7z99qrsgqz6qsgww34xlatfj6e3sngrwfy3ytkt29d2qttr8qz2mnedfqysuqypgqex"
           "4haa2h8fx3wnypranf3pdwyluftwe680jjcfp438u82xqphf75ym",
           '9e93321a775f7dffdca03e61d1ac6e0e356cc63cecd3835271200c1e5b499d29',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('p2wpkh',
           'On mainnet, with fallback (P2WPKH) address bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "hp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rq"
           "wzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppqw508d6qejxtdg4y5r3zarvary0"
           "c5xw7k9qrsgqt29a0wturnys2hhxpner2e3plp6jyj8qx7548zr2z7ptgjjc7hljm98xhj"
           "ym0dg52sdrvqamxdezkmqg4gdrvwwnf0kv2jdfnl4xatsqmrnsse",
           '44fbec32cdac99a1a3cd638ec507dad633a1e5bba514832fd3471e663a157f7b',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('p2wsh',
           'On mainnet, with fallback (P2WSH) address bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3...',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "hp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rq"
           "wzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfp4qrp33g0q5c5txsp9arysrx4k6zd"
           "kfs4nce4xj0gdcccefvpysxf3q9qrsgq9vlvyj8cqvq6ggvpwd53jncp9nwc47xlrsnenq"
           "2zp70fq83qlgesn4u3uyf4tesfkkwwfg3qs54qe426hp3tz7z6sweqdjg05axsrjqp9yrr"
           "wc",
           '865a2cc6730e1eeeacd30e6da8e9ab0e9115828d27953ec0c0f985db05da5027',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('p2tr',
           'On mainnet, with fallback (P2TR) address bc1pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszs...',
           "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs"
           "pp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6q"
           "qdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfp4pptdvg0d2nj99568qn6ssdy4cyg"
           "nwuxgw2ukmnwgwz7jpqjz2kszs9qrsgqy606dznq28exnydt2r4c29y56xjtn3sk4mhgjt"
           "l4pg2y4ar3249rq4ajlmj9jy8zvlzw7cr8mggqzm842xfr0v72rswzq9xvr4hknfsqwmn6"
           "xd",
           '116fdb0f18352c886deb263f6466eb40e5e6518b80231a1f9df86088bfa48043',
           dict(amount_msat=2_000_000_000, description_hash=CAKE_HASH),
           None),
    Vector('pico',
           'Please send 0.00967878534 BTC for a list of items within one week, amount in pico-BTC',
           "lnbc9678785340p1pwmna7lpp5gc3xfm08u9qy06djf8dfflhugl6p7lgza6dsjxq454gx"
           "hj9t7a0sd8dgfkx7cmtwd68yetpd5s9xar0wfjn5gpc8qhrsdfq24f5ggrxdaezqsnvda3"
           "kkum5wfjkzmfqf3jkgem9wgsyuctwdus9xgrcyqcjcgpzgfskx6eqf9hzqnteypzxz7fzy"
           "pfhg6trddjhygrcyqezcgpzfysywmm5ypxxjemgw3hxjmn8yptk7untd9hxwg3q2d6xjcm"
           "tv4ezq7pqxgsxzmnyyqcjqmt0wfjjq6t5v4khxsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3z"
           "yg3zyg3zyg3zyg3zyg3zygsxqyjw5qcqp2rzjq0gxwkzc8w6323m55m4jyxcjwmy7stt9h"
           "wkwe2qxmy8zpsgg7jcuwz87fcqqeuqqqyqqqqlgqqqqn3qq9q9qrsgqrvgkpnmps664wgk"
           "p43l22qsgdw4ve24aca4nymnxddlnp8vh9v2sdxlu5ywdxefsfvm0fq3sesf08uf6q9a2k"
           "e0hc9j6z6wlxg5z5kqpu2v9wz",
           None,
           dict(amount_msat=967_878_534, timestamp=1572468703, expiry=604800, min_final_cltv=10,
              payment_hash=bytes.fromhex("462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f"),
              description=BLOCKSTREAM),
           None),
    Vector('features-99',
           'Please send $30 for coffee beans to the same peer, which supports features 8, 14 and 99, using se...',
           "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
           "dq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3"
           "zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2a25dxl5hrntdtn6zvydt7d66hyzsyhqs4wdyna"
           "vys42xgl6sgx9c4g7me86a27t07mdtfry458rtjr0v92cnmswpsjscgt2vcse3sgpz3uap"
           "a",
           None,
           dict(amount_msat=2_500_000_000, description="coffee beans", features=F_8_14 | 1 << 99),
           "pds9"),
    Vector('upper-case',
           'Same, but all upper case.',
           "LNBC25M1PVJLUEZPP5QQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQYPQ"
           "DQ5VDHKVEN9V5SXYETPDEESSP5ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3"
           "ZYG3ZYGS9Q5SQQQQQQQQQQQQQQQQSGQ2A25DXL5HRNTDTN6ZVYDT7D66HYZSYHQS4WDYNA"
           "VYS42XGL6SGX9C4G7ME86A27T07MDTFRY458RTJR0V92CNMSWPSJSCGT2VCSE3SGPZ3UAP"
           "A",
           None,
           dict(amount_msat=2_500_000_000, description="coffee beans", features=F_8_14 | 1 << 99),
           "pds9"),
    Vector('ignored-fields',
           'Same, but including fields which must be ignored.',
           "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
           "dq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3"
           "zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2qrqqqfppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
           "qqqppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqpp4qqqqqqqqqq"
           "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhpnqqqqqqqqqqqqqqqqqqqqqqqq"
           "qqqqqqqqqqqqqqqqqqqqqqqqqqqhp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
           "qqqqqqqqqqqqqspnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqsp4"
           "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnp5qqqqqqqqqqqqqq"
           "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnpkqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
           "qqqqqqqqqqqqqqqqqqqqqqqqqz599y53s3ujmcfjp5xrdap68qxymkqphwsexhmhr8wdz5"
           "usdzkzrse33chw6dlp3jhuhge9ley7j2ayx36kawe7kmgg8sv5ugdyusdcqzn8z9x",
           None,
           dict(amount_msat=2_500_000_000, description="coffee beans", features=F_8_14 | 1 << 99),
           None),
    Vector('metadata',
           'Please send 0.01 BTC with payment metadata 0x01fafaf0',
           "lnbc10m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
           "dp9wpshjmt9de6zqmt9w3skgct5vysxjmnnd9jx2mq8q8a04uqsp5zyg3zyg3zyg3zyg3z"
           "yg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q2gqqqqqqsgq7hf8he7ecf7n4ffphs6awl"
           "9t6676rrclv9ckg3d3ncn7fct63p6s365duk5wrk202cfy3aj5xnnp5gs3vrdvruverwwq"
           "7yzhkf5a3xqpd05wjc",
           None,
           dict(amount_msat=1_000_000_000, description="payment metadata inside", metadata=bytes.fromhex("01fafaf0"),
              features=F_8_14 | 1 << 48),
           "pdms9"),
    Vector('high-s-recovery',
           'Public-key recovery with high-S signature',
           "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5"
           "qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmm"
           "wwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6"
           "q93dj32dlqnls087fxdwk8qakdyafkq3yap2r09nt4ndd0unm3z9u5t48y6ucv4r5sg7lk"
           "98c77ctvjczkspk5qprc90gx",
           '6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987',
           dict(amount_msat=None, description="Please consider supporting this project", payee=HIGH_S_PAYEE),
           None),
]

# (id, title, invoice, a word of the reason decode() must give)
INVALID = [
    ('feature-100', 'Same, but adding invalid unknown feature 100',
     "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
     "dq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3"
     "zyg3zygs9q4psqqqqqqqqqqqqqqqqsgqtqyx5vggfcsll4wu246hz02kp85x4katwsk963"
     "9we5n5yngc3yhqkm35jnjw4len8vrnqnf5ejh0mzj9n3vz2px97evektfm2l6wqccp3y73"
     "72",
     'unknown feature bit 100'),
    ('checksum', 'Bech32 checksum is invalid.',
     "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqy"
     "pqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf"
     "2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll"
     "544esqchsrnt",
     'checksum'),
    ('no-separator', 'Malformed bech32 string (no 1)',
     "pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4"
     "curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtje"
     "evuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsr"
     "ny",
     'separator'),
    ('mixed-case', 'Malformed bech32 string (mixed case)',
     "LNBC2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqy"
     "pqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf"
     "2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll"
     "544esqchsrny",
     'mixed case'),
    ('not-recoverable', 'Signature is not recoverable.',
     "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqy"
     "pqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3z"
     "yg3zyg3zyg3zygs9qrsgqwgt7mcn5yqw3yx0w94pswkpq6j9uh6xfqqqtsk4tnarugeekt"
     "d4hg5975x9am52rz4qskukxdmjemg92vvqz8nvmsye63r5ykel43pgz7zq0g2",
     'does not recover'),
    ('too-short', 'String is too short.',
     "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl"
     "2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6na6hlh",
     'too short'),
    ('multiplier', 'Invalid multiplier',
     "lnbc2500x1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqy"
     "pqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3z"
     "yg3zyg3zyg3zygs9qrsgqrrzc4cvfue4zp3hggxp47ag7xnrlr8vgcmkjxk3j5jqethnum"
     "gkpqp23z9jclu3v0a7e0aruz366e9wqdykw6dxhdzcjjhldxq0w6wgqcnu43j",
     'bad amount'),
    ('sub-msat', 'Invalid sub-millisatoshi precision.',
     "lnbc2500000001p1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rq"
     "wzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg"
     "3zyg3zyg3zyg3zyg3zygs9qrsgq0lzc236j96a95uv0m3umg28gclm5lqxtqqwk32uuk4k"
     "6673k6n5kfvx3d2h8s295fad45fdhmusm8sjudfhlf6dcsxmfvkeywmjdkxcp99202x",
     'sub-msat'),
    ('no-s', 'Missing required `s` field.',
     "lnbc20m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
     "hp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txf"
     "raylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupv"
     "z4erwnyutnjq7x39ymw6j38gp49qdkj",
     'no payment secret'),
    ('high-s-with-n', "Non canonical signature (high-S) with 'n' field defined",
     "lnbc25m1p70xwfzpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq"
     "dpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaqnp4q"
     "0n326hr8v9zprg8gsvezcch06gfaqqhde2aj730yg0durunfhv66sp5zyg3zyg3zyg3zyg"
     "3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqsp5zyg3zyg3zyg3zyg3zyg3zyg3"
     "zyg3zyg3zyg3zyg3zyg3zyg3zygsp5cfzp9ugllvk03rltd6hvndxj26ux6gcxc5azyxk0"
     "60rj9tzghct5zvjlps76gx8wpq5yuu79688k8gnm2c0al6v608s96l0xzrrlqqwnzxmu",
     'high-S signature with an n field'),
]


def _ids(vs):
    return [v[0] for v in vs]


def test_the_vectors_are_the_spec_ones():
    """Sanity of the tables: the key is the spec's payee, the hash the cake's."""
    assert bolt11.pubkey(PRIV_KEY) == PAYEE
    assert hashlib.sha256(CAKE.encode()).digest() == CAKE_HASH
    assert len(VALID) == 16 and len(INVALID) == 10
    assert sum(v.order is not None for v in VALID) == 7


@pytest.mark.parametrize("v", VALID, ids=_ids(VALID))
def test_decode(v):
    got = bolt11.decode(v.invoice)
    want = dict(DEFAULTS, **v.want)
    assert {k: got[k] for k in want} == want
    if v.sighash is not None:
        assert got["sighash"].hex() == v.sighash


@pytest.mark.parametrize("v", [v for v in VALID if v.order is not None],
                         ids=[v.id for v in VALID if v.order is not None])
def test_encode_byte_for_byte(v):
    kw = dict(v.want, order=v.order)
    args = dict(amount_msat=kw.pop("amount_msat"), payment_hash=PAYMENT_HASH,
                description_hash=kw.pop("description_hash", None), expiry=kw.pop("expiry", None),
                timestamp=TIMESTAMP, payment_secret=PAYMENT_SECRET, network="bc",
                min_final_cltv=None)
    kw.setdefault("features", F_8_14)
    got = bolt11.encode(PRIV_KEY, **args, **kw)
    want = v.invoice.lower()
    # The first differing position, for a readable failure.
    diff = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    assert got == want, "differs from character %d: %r vs %r" % (diff, got[diff:diff + 20],
                                                                 want[diff:diff + 20])


@pytest.mark.parametrize("bad", INVALID, ids=_ids(INVALID))
def test_invalid(bad):
    with pytest.raises(ValueError, match=bad[3]):
        bolt11.decode(bad[2])


def test_simulator_invoice_round_trip():
    """The call lnsim.py makes: p, s, h, x, c and 9, regtest, decoded back."""
    dh = hashlib.sha256(b"[]").digest()
    pr = bolt11.encode(PRIV_KEY, 21_000, PAYMENT_HASH, dh, 600, TIMESTAMP, PAYMENT_SECRET)
    assert pr.startswith("lnbcrt210n1")
    got = bolt11.decode(pr)
    assert (got["amount_msat"], got["description_hash"], got["expiry"], got["min_final_cltv"],
            got["payee"], got["features"]) == (21_000, dh, 600, 18, PAYEE, F_8_14)
    # One character changed breaks the checksum.
    with pytest.raises(ValueError, match="checksum"):
        bolt11.decode(pr[:-1] + ("q" if pr[-1] != "q" else "p"))


def test_n_field():
    """encode(payee_field=True) writes n; decode verifies against it (low-S)."""
    pr = bolt11.encode(PRIV_KEY, 1000, PAYMENT_HASH, CAKE_HASH, None, TIMESTAMP, PAYMENT_SECRET,
                       network="bc", min_final_cltv=None, payee_field=True)
    got = bolt11.decode(pr)
    assert got["payee_field"] and got["payee"] == PAYEE


@pytest.mark.parametrize("words,reason", [
    # The data part of "hashed" with its fields edited (fresh checksum; the
    # signature no longer matches, but these fail before it is checked).
    ("drop-s", "no payment secret"),
    ("drop-p", "no payment hash"),
    ("drop-h", "neither a d nor an h"),
    ("x-leading-zero", "not minimally encoded"),
    ("overrun", "overruns"),
])
def test_reader_rules(words, reason):
    hrp, data = bolt11.bech32_decode(VALID[3].invoice)
    body, sig = data[:-104], data[-104:]
    fields, j = [], 7
    while j < len(body):
        ln = body[j + 1] << 5 | body[j + 2]
        fields.append(body[j:j + 3 + ln])
        j += 3 + ln
    tags = [f[0] for f in fields]
    if words == "drop-s":
        fields.pop(tags.index(bolt11.TAGS["s"]))
    elif words == "drop-p":
        fields.pop(tags.index(bolt11.TAGS["p"]))
    elif words == "drop-h":
        fields.pop(tags.index(bolt11.TAGS["h"]))
    elif words == "x-leading-zero":
        fields.append([bolt11.TAGS["x"], 0, 3, 0, 1, 28])
    elif words == "overrun":
        fields[-1] = fields[-1][:1] + [0, 31] + fields[-1][3:]
    new = body[:7] + [w for f in fields for w in f] + sig
    with pytest.raises(ValueError, match=reason):
        bolt11.decode(bolt11.bech32_encode(hrp, new))
