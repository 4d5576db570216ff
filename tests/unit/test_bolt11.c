/* Unit tests of bolt11: the BOLT #11 example invoices, the encoder, the LNURL check and malformed input. */
#include <stdlib.h>

#include <secp256k1.h>

#include "bolt11_encode.h"
#include "core/bech32.h"
#include "pay/bolt11.h"
#include "core/sha256.h"
#include "t.h"

/* The key that signs the BOLT #11 examples, and its public key. */
#define SPEC_KEY	"e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734"
#define SPEC_PAYEE	"03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad"
#define SPEC_HASH	"0001020304050607080900010203040506070809000102030405060708090102"
#define SPEC_SECRET	"1111111111111111111111111111111111111111111111111111111111111111"
#define CAKE_HASH	"3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1"
#define SPEC_TIME	1496314658

/* One example of BOLT #11 "Examples"; description NULL means 'h' = CAKE_HASH. */
struct vector {
	const char	*name;
	const char	*invoice;
	const char	*network;
	int64_t		 amount;	/* -1: none */
	const char	*description;
	uint64_t	 expiry;
	bool		 reencodes;	/* our encoder writes exactly this */
	const char	*payee;		/* NULL: SPEC_PAYEE */
};

static const struct vector vectors[] = {
	{ "donation",
	  "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql",
	  "bc", -1, "Please consider supporting this project", 3600, true, NULL },
	{ "coffee",
	  "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh",
	  "bc", 250000000, "1 cup coffee", 60, true, NULL },
	{ "nonsense",
	  "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpu9qrsgqhtjpauu9ur7fw2thcl4y9vfvh4m9wlfyz2gem29g5ghe2aak2pm3ps8fdhtceqsaagty2vph7utlgj48u0ged6a337aewvraedendscp573dxr",
	  "bc", 250000000, "\xe3\x83\x8a\xe3\x83\xb3\xe3\x82\xbb\xe3\x83\xb3\xe3\x82\xb9 1\xe6\x9d\xaf", 60, true, NULL },
	{ "hashed",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txfraylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x39ymw6j38gp7ynn44",
	  "bc", 2000000000, NULL, 3600, true, NULL },
	{ "testnet fallback",
	  "lntb20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfpp3x9et2e20v6pu37c5d9vax37wxq72un989qrsgqdj545axuxtnfemtpwkc45hx9d2ft7x04mt8q7y6t0k2dge9e7h8kpy9p34ytyslj3yu569aalz2xdk8xkd7ltxqld94u8h2esmsmacgpghe9k8",
	  "tb", 2000000000, NULL, 3600, false, NULL },
	{ "routing info",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfpp3qjmp7lwpagxun9pygexvgpjdc4jdj85fr9yq20q82gphp2nflc7jtzrcazrra7wwgzxqc8u7754cdlpfrmccae92qgzqvzq2ps8pqqqqqqpqqqqq9qqqvpeuqafqxu92d8lr6fvg0r5gv0heeeqgcrqlnm6jhphu9y00rrhy4grqszsvpcgpy9qqqqqqgqqqqq7qqzq9qrsgqdfjcdk6w3ak5pca9hwfwfh63zrrz06wwfya0ydlzpgzxkn5xagsqz7x9j4jwe7yj7vaf2k9lqsdk45kts2fd0fkr28am0u4w95tt2nsq76cqw0",
	  "bc", 2000000000, NULL, 3600, false, NULL },
	{ "p2sh fallback",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppj3a24vwu6r8ejrss3axul8rxldph2q7z99qrsgqz6qsgww34xlatfj6e3sngrwfy3ytkt29d2qttr8qz2mnedfqysuqypgqex4haa2h8fx3wnypranf3pdwyluftwe680jjcfp438u82xqphf75ym",
	  "bc", 2000000000, NULL, 3600, false, NULL },
	{ "p2wpkh fallback",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppqw508d6qejxtdg4y5r3zarvary0c5xw7k9qrsgqt29a0wturnys2hhxpner2e3plp6jyj8qx7548zr2z7ptgjjc7hljm98xhjym0dg52sdrvqamxdezkmqg4gdrvwwnf0kv2jdfnl4xatsqmrnsse",
	  "bc", 2000000000, NULL, 3600, false, NULL },
	{ "p2wsh fallback",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfp4qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q9qrsgq9vlvyj8cqvq6ggvpwd53jncp9nwc47xlrsnenq2zp70fq83qlgesn4u3uyf4tesfkkwwfg3qs54qe426hp3tz7z6sweqdjg05axsrjqp9yrrwc",
	  "bc", 2000000000, NULL, 3600, false, NULL },
	{ "p2tr fallback",
	  "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfp4pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszs9qrsgqy606dznq28exnydt2r4c29y56xjtn3sk4mhgjtl4pg2y4ar3249rq4ajlmj9jy8zvlzw7cr8mggqzm842xfr0v72rswzq9xvr4hknfsqwmn6xd",
	  "bc", 2000000000, NULL, 3600, false, NULL },
	{ "coffee beans",
	  "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2a25dxl5hrntdtn6zvydt7d66hyzsyhqs4wdynavys42xgl6sgx9c4g7me86a27t07mdtfry458rtjr0v92cnmswpsjscgt2vcse3sgpz3uapa",
	  "bc", 2500000000, "coffee beans", 3600, false, NULL },
	{ "upper case",
	  "LNBC25M1PVJLUEZPP5QQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQYPQDQ5VDHKVEN9V5SXYETPDEESSP5ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYGS9Q5SQQQQQQQQQQQQQQQQSGQ2A25DXL5HRNTDTN6ZVYDT7D66HYZSYHQS4WDYNAVYS42XGL6SGX9C4G7ME86A27T07MDTFRY458RTJR0V92CNMSWPSJSCGT2VCSE3SGPZ3UAPA",
	  "bc", 2500000000, "coffee beans", 3600, false, NULL },
	{ "ignored fields",
	  "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2qrqqqfppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqpp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhpnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqspnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqsp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnp5qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnpkqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqz599y53s3ujmcfjp5xrdap68qxymkqphwsexhmhr8wdz5usdzkzrse33chw6dlp3jhuhge9ley7j2ayx36kawe7kmgg8sv5ugdyusdcqzn8z9x",
	  "bc", 2500000000, "coffee beans", 3600, false, NULL },
	{ "metadata",
	  "lnbc10m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdp9wpshjmt9de6zqmt9w3skgct5vysxjmnnd9jx2mq8q8a04uqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q2gqqqqqqsgq7hf8he7ecf7n4ffphs6awl9t6676rrclv9ckg3d3ncn7fct63p6s365duk5wrk202cfy3aj5xnnp5gs3vrdvruverwwq7yzhkf5a3xqpd05wjc",
	  "bc", 1000000000, "payment metadata inside", 3600, false, NULL },
	{ "high-S recovery",
	  "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap2r09nt4ndd0unm3z9u5t48y6ucv4r5sg7lk98c77ctvjczkspk5qprc90gx",
	  "bc", -1, "Please consider supporting this project", 3600, false,
	  /*
	   * (r, n - s) with the same recovery id: recovery accepts it and
	   * yields another key, as libsecp256k1 and eclair's test do.
	   */
	  "02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d" },
};

#define PICO_INVOICE "lnbc9678785340p1pwmna7lpp5gc3xfm08u9qy06djf8dfflhugl6p7lgza6dsjxq454gxhj9t7a0sd8dgfkx7cmtwd68yetpd5s9xar0wfjn5gpc8qhrsdfq24f5ggrxdaezqsnvda3kkum5wfjkzmfqf3jkgem9wgsyuctwdus9xgrcyqcjcgpzgfskx6eqf9hzqnteypzxz7fzypfhg6trddjhygrcyqezcgpzfysywmm5ypxxjemgw3hxjmn8yptk7untd9hxwg3q2d6xjcmtv4ezq7pqxgsxzmnyyqcjqmt0wfjjq6t5v4khxsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygsxqyjw5qcqp2rzjq0gxwkzc8w6323m55m4jyxcjwmy7stt9hwkwe2qxmy8zpsgg7jcuwz87fcqqeuqqqyqqqqlgqqqqn3qq9q9qrsgqrvgkpnmps664wgkp43l22qsgdw4ve24aca4nymnxddlnp8vh9v2sdxlu5ywdxefsfvm0fq3sesf08uf6q9a2ke0hc9j6z6wlxg5z5kqpu2v9wz"

/* BOLT #11 "Examples of Invalid Invoices", with a word the error must contain. */
static const struct {
	const char	*invoice;
	const char	*reason;
} invalid[] = {
	{ "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q4psqqqqqqqqqqqqqqqqsgqtqyx5vggfcsll4wu246hz02kp85x4katwsk9639we5n5yngc3yhqkm35jnjw4len8vrnqnf5ejh0mzj9n3vz2px97evektfm2l6wqccp3y7372",
	  "feature bit 100" },
	{ "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrnt",
	  "checksum" },
	{ "pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrny",
	  "separator" },
	{ "LNBC2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrny",
	  "mixed case" },
	{ "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqwgt7mcn5yqw3yx0w94pswkpq6j9uh6xfqqqtsk4tnarugeektd4hg5975x9am52rz4qskukxdmjemg92vvqz8nvmsye63r5ykel43pgz7zq0g2",
	  "signature" },
	{ "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6na6hlh",
	  "too short" },
	{ "lnbc2500x1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqrrzc4cvfue4zp3hggxp47ag7xnrlr8vgcmkjxk3j5jqethnumgkpqp23z9jclu3v0a7e0aruz366e9wqdykw6dxhdzcjjhldxq0w6wgqcnu43j",
	  "multiplier" },
	{ "lnbc2500000001p1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgq0lzc236j96a95uv0m3umg28gclm5lqxtqqwk32uuk4k6673k6n5kfvx3d2h8s295fad45fdhmusm8sjudfhlf6dcsxmfvkeywmjdkxcp99202x",
	  "millisatoshis" },
	{ "lnbc20m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txfraylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x39ymw6j38gp49qdkj",
	  "payment secret" },
	{ "lnbc25m1p70xwfzpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaqnp4q0n326hr8v9zprg8gsvezcch06gfaqqhde2aj730yg0durunfhv66sp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygsp5cfzp9ugllvk03rltd6hvndxj26ux6gcxc5azyxk060rj9tzghct5zvjlps76gx8wpq5yuu79688k8gnm2c0al6v608s96l0xzrrlqqwnzxmu",
	  "high-S" },
};

static void
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t i;
	unsigned v;

	for (i = 0; i < len; i++) {
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = v;
	}
}

/* The invoice string for hrp and words, with a fresh checksum (caller frees). */
static char *
reencode(const char *hrp, const uint8_t *w, size_t n)
{
	char *s = NULL;

	swgr_bech32_encode5(hrp, w, n, SWGR_BECH32_LOWER, SWGR_BOLT11_MAXLEN, &s, NULL);
	return s;
}

/* The invoice with extra (n words) inserted before the signature. */
static char *
insert_before_sig(const char *inv, const uint8_t *extra, size_t n)
{
	struct swgr_bech32 b;
	uint8_t w[4096];
	size_t end;
	char *s;

	if (swgr_bech32_decode5(inv, strlen(inv), SWGR_BOLT11_MAXLEN, &b, NULL) != SWGR_OK)
		return NULL;
	end = b.len - 104;
	memcpy(w, b.data, end);
	memcpy(w + end, extra, n);
	memcpy(w + end + n, b.data + end, 104);
	s = reencode(b.hrp, w, b.len + n);
	swgr_bech32_free(&b);
	return s;
}

/* Decodes s, which must fail with SWGR_EINVAL and a message containing why. */
static void
reject(const char *s, size_t len, const char *why)
{
	struct swgr_bolt11 inv;
	struct swgr_err err = { 0 };

	CHECK_INT(swgr_bolt11_decode(s, len, &inv, &err), SWGR_EINVAL);
	if (why != NULL && strstr(err.msg, why) == NULL) {
		t_fail++;
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err.msg, why);
	}
	CHECK(inv.description == NULL && inv.metadata == NULL);
}

static void
test_vectors(void)
{
	struct swgr_bolt11 inv;
	struct swgr_err err;
	uint8_t key[32], payee[33], hash[32], secret[32], cake[32];
	size_t i;
	char *s;

	unhex(SPEC_KEY, key, 32);
	unhex(SPEC_HASH, hash, 32);
	unhex(SPEC_SECRET, secret, 32);
	unhex(CAKE_HASH, cake, 32);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		unhex(v->payee != NULL ? v->payee : SPEC_PAYEE, payee, 33);
		if (swgr_bolt11_decode(v->invoice, strlen(v->invoice), &inv,
		    &err) != SWGR_OK) {
			t_fail++;
			fprintf(stderr, "%s: %s\n", v->name, err.msg);
			continue;
		}
		CHECK_STR(inv.network, v->network);
		CHECK_INT(inv.has_amount, v->amount >= 0);
		CHECK_INT(inv.amount_msat, v->amount >= 0 ? v->amount : 0);
		CHECK_INT(inv.timestamp, SPEC_TIME);
		CHECK(memcmp(inv.payment_hash, hash, 32) == 0);
		CHECK(memcmp(inv.payment_secret, secret, 32) == 0);
		CHECK(memcmp(inv.payee, payee, 33) == 0);
		CHECK(!inv.has_payee_field);
		CHECK_INT(inv.expiry, v->expiry);
		CHECK_INT(inv.min_final_cltv, 18);
		CHECK(inv.features & (UINT64_C(1) << 14));
		if (v->description != NULL) {
			CHECK_STR(inv.description, v->description);
			CHECK_INT(inv.description_len, strlen(v->description));
			CHECK(!inv.has_description_hash);
		} else {
			CHECK(inv.description == NULL);
			CHECK(inv.has_description_hash);
			CHECK(memcmp(inv.description_hash, cake, 32) == 0);
		}
		/* Our encoder, with RFC 6979 nonces, writes the same string. */
		if (v->reencodes) {
			CHECK_INT(bolt11_encode(&inv, key, &s, &err), SWGR_OK);
			CHECK_STR(s, v->invoice);
			free(s);
		}
		swgr_bolt11_free(&inv);
	}

	/* Features 8, 14, 48 and the metadata of the "metadata" example. */
	s = (char *)vectors[13].invoice;
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &inv, &err), SWGR_OK);
	CHECK_INT(inv.features, (UINT64_C(1) << 8) | (UINT64_C(1) << 14) |
	    (UINT64_C(1) << 48));
	CHECK(inv.metadata_len == 4 && memcmp(inv.metadata, "\x01\xfa\xfa\xf0", 4) == 0);
	swgr_bolt11_free(&inv);
	/* Feature 99 (odd, unknown) is ignored. */
	s = (char *)vectors[10].invoice;
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &inv, &err), SWGR_OK);
	CHECK_INT(inv.features, (UINT64_C(1) << 8) | (UINT64_C(1) << 14));
	swgr_bolt11_free(&inv);

	/* The pico-BTC example. */
	unhex(SPEC_PAYEE, payee, 33);
	CHECK_INT(swgr_bolt11_decode(PICO_INVOICE, strlen(PICO_INVOICE), &inv,
	    &err), SWGR_OK);
	CHECK_INT(inv.amount_msat, 967878534);
	CHECK_INT(inv.timestamp, 1572468703);
	unhex("462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f", hash, 32);
	CHECK(memcmp(inv.payment_hash, hash, 32) == 0);
	CHECK_STR(inv.description, "Blockstream Store: 88.85 USD for Blockstream "
	    "Ledger Nano S x 1, \"Back In My Day\" Sticker x 2, \"I Got Lightning "
	    "Working\" Sticker x 2 and 1 more items");
	CHECK_INT(inv.expiry, 604800);
	CHECK_INT(inv.min_final_cltv, 10);
	CHECK(memcmp(inv.payee, payee, 33) == 0);
	swgr_bolt11_free(&inv);

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		reject(invalid[i].invoice, strlen(invalid[i].invoice), invalid[i].reason);
}

/* Encodes in with key, decodes, and compares every field. */
static void
roundtrip(const struct swgr_bolt11 *in, const uint8_t key[32])
{
	secp256k1_context *sctx;
	secp256k1_pubkey pk;
	struct swgr_bolt11 out;
	struct swgr_err err;
	uint8_t payee[33];
	size_t plen = sizeof(payee);
	char *s;

	if (bolt11_encode(in, key, &s, &err) != SWGR_OK) {
		t_fail++;
		fprintf(stderr, "encode: %s\n", err.msg);
		return;
	}
	if (swgr_bolt11_decode(s, strlen(s), &out, &err) != SWGR_OK) {
		t_fail++;
		fprintf(stderr, "decode %s: %s\n", s, err.msg);
		free(s);
		return;
	}
	CHECK_STR(out.network, in->network);
	CHECK_INT(out.has_amount, in->has_amount);
	CHECK_INT(out.amount_msat, in->amount_msat);
	CHECK_INT(out.timestamp, in->timestamp);
	CHECK(memcmp(out.payment_hash, in->payment_hash, 32) == 0);
	CHECK(memcmp(out.payment_secret, in->payment_secret, 32) == 0);
	CHECK_INT(out.has_description_hash, in->description == NULL);
	if (in->description == NULL)
		CHECK(memcmp(out.description_hash, in->description_hash, 32) == 0);
	else
		CHECK_STR(out.description, in->description);
	CHECK_INT(out.expiry, in->expiry);
	CHECK_INT(out.min_final_cltv, in->min_final_cltv);
	CHECK(out.features == in->features);
	CHECK_INT(out.metadata_len, in->metadata_len);
	CHECK(in->metadata == NULL || memcmp(out.metadata, in->metadata,
	    in->metadata_len) == 0);
	CHECK_INT(out.has_payee_field, in->has_payee_field);
	/* Key derivation needs a context of its own (not the static one). */
	sctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	CHECK(secp256k1_ec_pubkey_create(sctx, &pk, key));
	secp256k1_ec_pubkey_serialize(sctx, payee, &plen, &pk, SECP256K1_EC_COMPRESSED);
	secp256k1_context_destroy(sctx);
	CHECK(memcmp(out.payee, payee, 33) == 0);
	CHECK_INT(swgr_bolt11_check(&out, in->amount_msat, in->description_hash,
	    payee, &err), in->has_amount && in->description == NULL ?
	    SWGR_OK : SWGR_EINVAL);
	swgr_bolt11_free(&out);
	free(s);
}

static void
test_roundtrip(void)
{
	static const uint64_t amounts[] = { 1, 10, 1000, 100000, 123456789,
	    100000000, 100000000000, 2100000000000000000, 999999999999 };
	static const char *const nets[] = { "bc", "tb", "tbs", "bcrt", "sb" };
	struct swgr_bolt11 in;
	uint8_t key[32], meta[639];
	size_t i;

	for (i = 0; i < 32; i++)
		key[i] = i + 1;
	memset(&in, 0, sizeof(in));
	memset(in.payment_hash, 0xab, 32);
	memset(in.payment_secret, 0xcd, 32);
	memset(in.description_hash, 0xef, 32);
	in.has_description_hash = true;
	in.expiry = 3600;
	in.min_final_cltv = 18;
	in.timestamp = 1700000000;
	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		snprintf(in.network, sizeof(in.network), "%s", nets[i % 5]);
		in.has_amount = true;
		in.amount_msat = amounts[i];
		in.has_payee_field = i % 2;
		in.expiry = i * 1000;
		in.min_final_cltv = 18 + i * 7;
		in.features = (UINT64_C(1) << 14) | (UINT64_C(1) << (2 * i + 9));
		in.timestamp = (UINT64_C(1) << 35) - 1 - i;
		roundtrip(&in, key);
	}
	/* Amountless, with description, metadata, extreme expiry and cltv. */
	in.has_amount = false;
	in.amount_msat = 0;
	in.description = "caf\xc3\xa9 \"quoted\"";
	memset(meta, 0x5a, sizeof(meta));
	in.metadata = meta;
	in.metadata_len = sizeof(meta);
	in.expiry = UINT64_MAX;
	in.min_final_cltv = UINT32_MAX;
	in.features = UINT64_C(1) << 63;	/* odd: ignored by readers */
	in.has_payee_field = true;
	roundtrip(&in, key);
	in.has_payee_field = false;
	in.expiry = 0;
	in.min_final_cltv = 0;
	in.features = 0;
	in.timestamp = 0;
	roundtrip(&in, key);
}

static void
test_check(void)
{
	struct swgr_bolt11 inv;
	struct swgr_err err;
	uint8_t key[32], payee[33], h[32], other[33];
	char *s;
	size_t i;

	for (i = 0; i < 32; i++)
		key[i] = 0x42;
	memset(&inv, 0, sizeof(inv));
	snprintf(inv.network, sizeof(inv.network), "bc");
	inv.has_amount = true;
	inv.amount_msat = 21000;
	memset(h, 0x77, 32);
	memcpy(inv.description_hash, h, 32);
	inv.has_description_hash = true;
	inv.expiry = 3600;
	inv.min_final_cltv = 18;
	CHECK_INT(bolt11_encode(&inv, key, &s, &err), SWGR_OK);
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &inv, &err), SWGR_OK);
	free(s);
	memcpy(payee, inv.payee, 33);

	CHECK_INT(swgr_bolt11_check(&inv, 21000, h, payee, &err), SWGR_OK);
	CHECK_INT(swgr_bolt11_check(&inv, 22000, h, payee, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "amount") && strstr(err.msg, "21000") &&
	    strstr(err.msg, "22000"));
	h[31] = 0x78;
	CHECK_INT(swgr_bolt11_check(&inv, 21000, h, payee, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "description hash") &&
	    strstr(err.msg, "7777777777777777777777777777777777777777777777777777777777777777") &&
	    strstr(err.msg, "7777777777777777777777777777777777777777777777777777777777777778"));
	h[31] = 0x77;
	memcpy(other, payee, 33);
	other[32] ^= 1;
	CHECK_INT(swgr_bolt11_check(&inv, 21000, h, other, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "payee") != NULL);
	inv.has_amount = false;
	CHECK_INT(swgr_bolt11_check(&inv, 21000, h, payee, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "no amount") != NULL);
	inv.has_amount = true;
	inv.has_description_hash = false;
	CHECK_INT(swgr_bolt11_check(&inv, 21000, h, payee, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "no 'h'") != NULL);
	swgr_bolt11_free(&inv);

	/* The spec's "hashed" example against its own request. */
	s = (char *)vectors[3].invoice;
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &inv, &err), SWGR_OK);
	unhex(CAKE_HASH, h, 32);
	unhex(SPEC_PAYEE, payee, 33);
	CHECK_INT(swgr_bolt11_check(&inv, 2000000000, h, payee, &err), SWGR_OK);
	swgr_bolt11_free(&inv);
}

/* Rejections of malformed strings and structures. */
static void
test_malformed(void)
{
	const char *good = vectors[1].invoice;	/* coffee: s p d x 9 */
	struct swgr_bolt11 inv;
	struct swgr_bech32 b;
	struct swgr_err err;
	uint8_t w[4096], payee[33];
	char buf[SWGR_BOLT11_MAXLEN + 16], *s;
	size_t i, len = strlen(good);
	static const char *const bad_hrps[] = {
		"ln", "lnxy", "lnbc2500x", "lnbc0", "lnbc025m", "lnbc1p", "lnbc11p",
		"lnbc2500uu", "lnbcm", "lnbc99999999999999999999m",
		"lnbc184467440737095517m", "lnbc18446744073709551620p", "bc2500u",
		"lntb2500u1", "lnbc2500u\x7e"
	};

	reject("", 0, NULL);
	reject(good, len - 1, "checksum");
	/* Every truncation and every one-character change is refused. */
	for (i = 0; i < len; i++)
		reject(good, i, NULL);
	snprintf(buf, sizeof(buf), "%s", good);
	for (i = 0; i < len; i++) {
		buf[i] = buf[i] == 'q' ? 'p' : 'q';
		reject(buf, len, NULL);
		buf[i] = good[i];
	}
	/* Mixed case, non-ASCII, NUL, whitespace. */
	buf[len - 1] = 'H';
	reject(buf, len, "mixed case");
	buf[len - 1] = good[len - 1];
	buf[3] = (char)0xc3;
	reject(buf, len, "out of range");
	buf[3] = '\0';
	reject(buf, len, "out of range");
	buf[3] = ' ';
	reject(buf, len, "out of range");
	/* Too long, even before looking at the content. */
	memset(buf, 'q', sizeof(buf));
	memcpy(buf, "lnbc1", 5);
	reject(buf, SWGR_BOLT11_MAXLEN + 1, "over the limit");
	reject(buf, SWGR_BOLT11_MAXLEN, NULL);

	CHECK_INT(swgr_bech32_decode5(good, len, SWGR_BOLT11_MAXLEN, &b, NULL), SWGR_OK);
	memcpy(w, b.data, b.len);
	/* Bad prefixes and amounts, with a valid checksum. */
	for (i = 0; i < sizeof(bad_hrps) / sizeof(bad_hrps[0]); i++) {
		s = reencode(bad_hrps[i], w, b.len);
		reject(s, strlen(s), "invoice: ");
		free(s);
	}
	/* A valid but different prefix changes the recovered payee. */
	s = reencode("lnbc2500000n", w, b.len);
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &inv, &err), SWGR_OK);
	CHECK_INT(inv.amount_msat, 250000000);
	unhex(SPEC_PAYEE, payee, 33);
	CHECK(memcmp(inv.payee, payee, 33) != 0);
	swgr_bolt11_free(&inv);
	free(s);
	/* So does any flipped bit in the signed data, or in s of the signature. */
	for (i = 0; i < b.len - 104 + 52; i++) {
		w[i] ^= 1;
		s = reencode(b.hrp, w, b.len);
		if (swgr_bolt11_decode(s, strlen(s), &inv, &err) == SWGR_OK) {
			CHECK(memcmp(inv.payee, payee, 33) != 0);
			swgr_bolt11_free(&inv);
		} else
			CHECK(err.rc == SWGR_EINVAL);
		free(s);
		w[i] ^= 1;
	}
	/* Recovery id over 3; a zero signature. */
	w[b.len - 1] = 4;
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "recovery id");
	free(s);
	memset(w + b.len - 104, 0, 104);
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "signature");
	free(s);
	memcpy(w, b.data, b.len);
	/* Required fields renamed to an unknown type (0, 'q'). */
	w[7] = 0;				/* s */
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "payment secret");
	free(s);
	w[7] = b.data[7];
	w[7 + 55] = 0;				/* p */
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "payment hash");
	free(s);
	w[7 + 55] = b.data[7 + 55];
	w[7 + 110] = 0;				/* d */
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "neither");
	free(s);
	w[7 + 110] = b.data[7 + 110];
	/* A field overrunning the signature; a truncated field header. */
	w[7 + 110 + 1] = 31;
	s = reencode(b.hrp, w, b.len);
	reject(s, strlen(s), "overruns");
	free(s);
	memcpy(w, b.data, 7 + 1);
	memcpy(w + 8, b.data + b.len - 104, 104);
	s = reencode(b.hrp, w, 8 + 104);
	reject(s, strlen(s), "truncated");
	free(s);
	swgr_bech32_free(&b);

	/* Inserted fields: both d and h, duplicates, non-minimal, bad UTF-8. */
	memset(w, 0, sizeof(w));
	w[0] = 23, w[1] = 1, w[2] = 20;		/* h, 52 words */
	s = insert_before_sig(good, w, 3 + 52);
	reject(s, strlen(s), "both");
	free(s);
	w[0] = 13, w[1] = 0, w[2] = 1;		/* a second d */
	s = insert_before_sig(good, w, 4);
	reject(s, strlen(s), "more than one 'd'");
	free(s);
	w[0] = 24, w[1] = 0, w[2] = 2, w[3] = 0, w[4] = 5;	/* c = 0 5 */
	s = insert_before_sig(good, w, 5);
	reject(s, strlen(s), "minimal");
	free(s);
	w[0] = 24, w[1] = 0, w[2] = 7, w[3] = 4;	/* c over 32 bits */
	s = insert_before_sig(good, w, 10);
	reject(s, strlen(s), "too large");
	free(s);
	w[0] = 19, w[1] = 1, w[2] = 21, w[3] = 0;	/* n not a point */
	s = insert_before_sig(good, w, 3 + 53);
	reject(s, strlen(s), "not a valid public key");
	free(s);
	s = insert_before_sig(vectors[0].invoice, (const uint8_t *)"\x06\x00\x02\x00\x05", 5);
	reject(s, strlen(s), "minimal");		/* x = 0 5 */
	free(s);
	/* A 'd' of 0xff: 11111 111(00). */
	s = insert_before_sig(vectors[3].invoice, (const uint8_t *)"\x0d\x00\x02\x1f\x1c", 5);
	reject(s, strlen(s), "UTF-8");
	free(s);
}

/* An 'n' field: verified, low-S only, tampering refused. */
static void
test_payee_field(void)
{
	struct swgr_bolt11 in, out;
	struct swgr_bech32 b;
	struct swgr_err err;
	uint8_t key[32];
	char *s, *t;

	unhex(SPEC_KEY, key, 32);
	memset(&in, 0, sizeof(in));
	snprintf(in.network, sizeof(in.network), "tb");
	in.has_amount = true;
	in.amount_msat = 5000;
	in.has_description_hash = true;
	in.expiry = 600;
	in.min_final_cltv = 40;
	in.has_payee_field = true;
	CHECK_INT(bolt11_encode(&in, key, &s, &err), SWGR_OK);
	CHECK_INT(swgr_bolt11_decode(s, strlen(s), &out, &err), SWGR_OK);
	CHECK(out.has_payee_field);
	swgr_bolt11_free(&out);
	CHECK_INT(swgr_bech32_decode5(s, strlen(s), SWGR_BOLT11_MAXLEN, &b, NULL), SWGR_OK);
	/*
	 * With 'n' the recovery id is not used (BOLT #11: verify instead of
	 * recovering), so another one still decodes, with the payee of 'n'.
	 */
	b.data[b.len - 1] ^= 1;
	t = reencode(b.hrp, b.data, b.len);
	CHECK_INT(swgr_bolt11_decode(t, strlen(t), &out, &err), SWGR_OK);
	CHECK(out.has_payee_field && out.payee[0] == 0x03 &&
	    memcmp(out.payee, "\x03\xe7\x15\x6a", 4) == 0);
	swgr_bolt11_free(&out);
	free(t);
	b.data[b.len - 1] ^= 1;
	/* A flipped bit in the payment hash: verification against 'n' fails. */
	b.data[7 + 55 + 3] ^= 1;
	t = reencode(b.hrp, b.data, b.len);
	reject(t, strlen(t), "does not verify");
	free(t);
	swgr_bech32_free(&b);
	free(s);
	/* A wrong secret key argument. */
	memset(key, 0, 32);
	CHECK_INT(bolt11_encode(&in, key, &s, &err), SWGR_EINVAL);
	CHECK(s == NULL);
	memset(key, 1, 32);
	in.has_description_hash = false;
	CHECK_INT(bolt11_encode(&in, key, &s, &err), SWGR_EINVAL);
	in.has_description_hash = true;
	snprintf(in.network, sizeof(in.network), "xx");
	CHECK_INT(bolt11_encode(&in, key, &s, &err), SWGR_EINVAL);
	snprintf(in.network, sizeof(in.network), "bc");
	in.amount_msat = 0;
	CHECK_INT(bolt11_encode(&in, key, &s, &err), SWGR_EINVAL);
}

/* FIPS 180-2 examples: the empty string and "abc", more than once (the algorithm is fetched once). */
static void
test_sha256(void)
{
	static const uint8_t empty[SWGR_SHA256_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
		0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
		0x78, 0x52, 0xb8, 0x55 };
	static const uint8_t abc[SWGR_SHA256_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad };
	uint8_t out[SWGR_SHA256_LEN];
	int i;

	for (i = 0; i < 3; i++) {
		swgr_sha256("", 0, out);
		CHECK(memcmp(out, empty, sizeof(out)) == 0);
		swgr_sha256("abc", 3, out);
		CHECK(memcmp(out, abc, sizeof(out)) == 0);
	}
}

int
main(void)
{
	test_sha256();
	test_vectors();
	test_roundtrip();
	test_check();
	test_malformed();
	test_payee_field();
	return t_done("test_bolt11");
}
