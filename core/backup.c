/* SPDX-License-Identifier: ISC */
/* backup.c: the key backup file.
 *
 * A standard CMS file that stock `openssl cms -decrypt` opens anywhere
 * (backup.h).  New files are AES-256-GCM, so an altered one fails its tag;
 * older CBC files have no integrity of their own: the strict payload parser
 * and the key check value refuse an altered one, and every failure after
 * the password gets one answer (unusable()), so that nothing tells bad
 * padding from bad content. */
#ifdef HAVE_CONFIG_H
#include <config.h>     /* _GNU_SOURCE: memmem, timegm */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/pem.h>    /* before cms.h: it declares PEM_*_CMS */
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>   /* PBKDF2PARAM */
#include "atomic_write.h"
#include "backup.h"
#include "backup_seal.h"
#include "secret.h"

#define MAGIC "rsconfig-key-backup"
#define FORMAT_VERSION "1"
#define PAYLOAD_MAX 4096
#define PEM_BEGIN "-----BEGIN CMS-----"
/* The most PBKDF2 iterations a backup may ask for, all its password blocks
 * together (the refusal message says the number).  We write
 * RS_BACKUP_ITERATIONS (600,000), stock `openssl cms` 2,048; 10,000,000
 * leaves room for a higher default later (OWASP's 2023 figure for
 * PBKDF2-HMAC-SHA1 is 1,300,000) while a forged file costs at most a few
 * seconds (4 to 7 s with SHA-1 or SHA-512 on the machine it was measured
 * on) instead of hours. */
#define MAX_ITERATIONS 10000000
/* The fewest PBKDF2 iterations a backup may ask for: we write 600,000;
 * stock `openssl cms -encrypt -pwri_password` (2,048, and it has no option
 * to ask for more) is too few to protect a key, so such a file is refused
 * before anything is derived (make one by hand for certificates instead:
 * rskeymgmt(8)). */
#define MIN_ITERATIONS 100000

struct rs_backup_keys {
	X509 *certs[RS_BACKUP_MAX_RECIPIENTS];
	size_t ncerts;
	EVP_PKEY *identity;
};

/* ---- certificates and the identity ---- */

static int keys_make(rs_backup_keys **keys, rs_error *err)
{
	if (*keys == NULL && (*keys = calloc(1, sizeof **keys)) == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	return RS_OK;
}

int rs_backup_keys_add_cert(rs_backup_keys **keys, const char *path,
    rs_error *err)
{
	BIO *in;
	X509 *cert = NULL;
	EVP_PKEY *pub;
	int rc = keys_make(keys, err);

	if (rc != RS_OK)
		return rc;
	if ((*keys)->ncerts == RS_BACKUP_MAX_RECIPIENTS)
		return rs_err(err, RS_ERR_USAGE,
		    _("at most %d certificates can receive one backup"),
		    RS_BACKUP_MAX_RECIPIENTS);
	in = BIO_new_file(path, "r");
	if (in != NULL)
		cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
	BIO_free(in);
	ERR_clear_error();
	pub = cert != NULL ? X509_get0_pubkey(cert) : NULL;
	if (pub == NULL || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA
	    || EVP_PKEY_get_bits(pub) < 2048) {
		X509_free(cert);
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is not a PEM certificate with an RSA key of at least 2048 bits; give the admin's certificate (openssl req -x509 -newkey rsa:3072 makes one)"),
		    path);
	}
	(*keys)->certs[(*keys)->ncerts++] = cert;
	return RS_OK;
}

/* An encrypted key would make OpenSSL prompt on the terminal: refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int rs_backup_keys_set_identity(rs_backup_keys **keys, const char *path,
    rs_error *err)
{
	BIO *in;
	EVP_PKEY *pkey = NULL;
	int rc = keys_make(keys, err);

	if (rc != RS_OK)
		return rc;
	in = BIO_new_file(path, "r");
	if (in != NULL)
		pkey = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
	BIO_free(in);
	ERR_clear_error();
	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("cannot read an RSA private key from %s (PEM, not encrypted); give the key of a certificate the backup was made for"),
		    path);
	}
	EVP_PKEY_free((*keys)->identity);
	(*keys)->identity = pkey;
	return RS_OK;
}

size_t rs_backup_keys_certs(const rs_backup_keys *keys)
{
	return keys != NULL ? keys->ncerts : 0;
}

bool rs_backup_keys_has_identity(const rs_backup_keys *keys)
{
	return keys != NULL && keys->identity != NULL;
}

void rs_backup_keys_free(rs_backup_keys *keys)
{
	size_t i;

	if (keys == NULL)
		return;
	for (i = 0; i < keys->ncerts; i++)
		X509_free(keys->certs[i]);
	EVP_PKEY_free(keys->identity);
	free(keys);
}

/* ---- small helpers ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;   /* the format is lower-case only */
}

static bool is_lower_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hex_value(s[i]) < 0)
			return false;
	return true;
}

static bool uuid_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return true;   /* written as empty when unknown */
	if (len != RS_ID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9')
		    || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return true;
}

/* A name must not be able to add a line to the payload. */
static bool name_ok(const char *s, size_t len)
{
	size_t i;

	if (len >= RS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ---- the payload ---- */

static bool meta_ok(const rs_backup_meta *m)
{
	return uuid_ok(m->installation_id, strlen(m->installation_id))
	    && uuid_ok(m->database_id, strlen(m->database_id))
	    && name_ok(m->machine, strlen(m->machine))
	    && name_ok(m->instance, strlen(m->instance));
}

/* A caller that names the kcv it means to back up gets it checked. */
static bool kcv_agrees(const rs_symkey *key, const rs_backup_meta *m)
{
	if (m->kcv[0] == '\0')
		return true;
	return rs_symkey_kcv_matches(key, m->kcv);
}

/* Builds the payload in secret memory; returns its length, 0 on error. */
static size_t payload_build(char *out, const rs_symkey *key,
    const rs_backup_meta *m)
{
	char hex[2 * RS_KEY_LEN + 1], kcv[RS_KCV_HEX_LEN + 1], when[32];
	time_t t = m->created != 0 ? (time_t)m->created : time(NULL);
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return 0;
	rs_hex_encode(key->bytes, RS_KEY_LEN, hex);
	/* The database's check value when named (it may be version 1, and
	 * it must read the same in both places). */
	if (m->kcv[0] != '\0')
		snprintf(kcv, sizeof kcv, "%s", m->kcv);
	else
		rs_symkey_kcv(key, kcv);
	n = snprintf(out, PAYLOAD_MAX, MAGIC " " FORMAT_VERSION "\n"
	    "key: %s\nkcv: %s\ngeneration: %" PRIu32 "\n"
	    "installation-id: %s\nmachine: %s\ninstance: %s\n"
	    "database-id: %s\ncreated: %s\n", hex, kcv, m->generation,
	    m->installation_id, m->machine, m->instance, m->database_id, when);
	rs_wipe(hex, sizeof hex);
	return n > 0 && n < PAYLOAD_MAX ? (size_t)n : 0;
}

enum field { F_KEY, F_KCV, F_GENERATION, F_INSTALLATION, F_MACHINE,
	F_INSTANCE, F_DATABASE, F_CREATED, F_COUNT };

static const char *const field_names[F_COUNT] = {
	"key", "kcv", "generation", "installation-id", "machine", "instance",
	"database-id", "created"
};

struct parsed {
	const char *val[F_COUNT];
	size_t len[F_COUNT];
};

static int bad_content(rs_error *err, const char *path, const char *why)
{
	return rs_err(err, RS_ERR_BAD_FILE,
	    _("%s decrypts but its content is not a valid key backup (%s); it was altered or is not a key backup: use another copy"),
	    path, why);
}

static int parse_first_line(const char *line, size_t len, const char *path,
    rs_error *err)
{
	size_t mlen = strlen(MAGIC " ");

	if (len == strlen(MAGIC " " FORMAT_VERSION)
	    && memcmp(line, MAGIC " " FORMAT_VERSION, len) == 0)
		return RS_OK;
	if (len > mlen && len < mlen + 10 && memcmp(line, MAGIC " ", mlen) == 0)
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is a key backup in format %.*s, which this version does not know; restore it with a newer rsconfig"),
		    path, (int)(len - mlen), line + mlen);
	return bad_content(err, path, _("unknown header"));
}

static int parse_field(struct parsed *p, const char *line, size_t len,
    const char *path, rs_error *err)
{
	const char *colon = memchr(line, ':', len);
	size_t nlen;
	int f;

	if (colon == NULL || colon + 1 >= line + len || colon[1] != ' ')
		return bad_content(err, path, _("a line is not \"name: value\""));
	nlen = (size_t)(colon - line);
	for (f = 0; f < F_COUNT; f++)
		if (strlen(field_names[f]) == nlen
		    && memcmp(field_names[f], line, nlen) == 0)
			break;
	if (f == F_COUNT)
		return bad_content(err, path, _("unknown field"));
	if (p->val[f] != NULL)
		return bad_content(err, path, _("a field appears twice"));
	p->val[f] = colon + 2;
	p->len[f] = len - nlen - 2;
	return RS_OK;
}

/* Splits the payload into lines; every line ends with a newline. */
static int parse_lines(const char *data, size_t len, struct parsed *p,
    const char *path, rs_error *err)
{
	const char *end, *line = data, *nl;
	size_t llen;
	int rc = RS_OK, f;

	/* An empty payload comes as a NULL buffer from the memory BIO: no
	 * pointer arithmetic on it. */
	if (data == NULL || len == 0)
		return bad_content(err, path, _("empty"));
	end = data + len;
	if (memchr(data, '\0', len) != NULL)
		return bad_content(err, path, _("binary data"));
	for (; rc == RS_OK && line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			return bad_content(err, path, _("truncated last line"));
		/* A CR before the LF: stock `openssl cms -encrypt` without
		 * -binary makes every line end so. */
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		rc = line == data ? parse_first_line(line, llen, path, err)
		    : parse_field(p, line, llen, path, err);
	}
	for (f = 0; rc == RS_OK && f < F_COUNT; f++)
		if (p->val[f] == NULL)
			rc = rs_err(err, RS_ERR_BAD_FILE,
			    _("%s is not a complete key backup: the \"%s\" field is missing; use another copy"),
			    path, field_names[f]);
	return rc;
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_time(const char *s, size_t len, int64_t *out)
{
	char buf[32];
	struct tm tm;
	char *end;
	time_t t;

	if (len != 20)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof tm);
	end = strptime(buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return false;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

static void copy_field(char *dst, const struct parsed *p, int f)
{
	memcpy(dst, p->val[f], p->len[f]);
	dst[p->len[f]] = '\0';
}

/* Checks every value and fills key and meta. */
static int parse_values(const struct parsed *p, rs_symkey *key,
    rs_backup_meta *m, const char *path, rs_error *err)
{
	char kcv[RS_KCV_HEX_LEN + 1];
	size_t i;

	if (p->len[F_KEY] != 2 * RS_KEY_LEN
	    || !is_lower_hex(p->val[F_KEY], p->len[F_KEY]))
		return bad_content(err, path, _("the key is not 64 hex digits"));
	if (p->len[F_KCV] != RS_KCV_HEX_LEN
	    || !is_lower_hex(p->val[F_KCV], p->len[F_KCV]))
		return bad_content(err, path, _("the key check value is not 16 hex digits"));
	if (!parse_u32(p->val[F_GENERATION], p->len[F_GENERATION], &m->generation))
		return bad_content(err, path, _("bad generation"));
	if (!uuid_ok(p->val[F_INSTALLATION], p->len[F_INSTALLATION])
	    || !uuid_ok(p->val[F_DATABASE], p->len[F_DATABASE]))
		return bad_content(err, path, _("bad installation or database id"));
	if (!name_ok(p->val[F_MACHINE], p->len[F_MACHINE])
	    || !name_ok(p->val[F_INSTANCE], p->len[F_INSTANCE]))
		return bad_content(err, path, _("bad machine or instance name"));
	if (!parse_time(p->val[F_CREATED], p->len[F_CREATED], &m->created))
		return bad_content(err, path, _("bad creation time"));
	for (i = 0; i < RS_KEY_LEN; i++)
		key->bytes[i] = (unsigned char)(hex_value(p->val[F_KEY][2 * i]) << 4
		    | hex_value(p->val[F_KEY][2 * i + 1]));
	memcpy(kcv, p->val[F_KCV], RS_KCV_HEX_LEN);
	kcv[RS_KCV_HEX_LEN] = '\0';
	if (!rs_symkey_kcv_matches(key, kcv))
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s was altered: the key it holds does not match its key check value; use another copy of the backup"),
		    path);
	copy_field(m->kcv, p, F_KCV);
	copy_field(m->installation_id, p, F_INSTALLATION);
	copy_field(m->database_id, p, F_DATABASE);
	copy_field(m->machine, p, F_MACHINE);
	copy_field(m->instance, p, F_INSTANCE);
	return RS_OK;
}

static int payload_parse(const char *data, size_t len, rs_symkey *key,
    rs_backup_meta *m, const char *path, rs_error *err)
{
	struct parsed p;
	int rc;

	memset(&p, 0, sizeof p);
	rc = parse_lines(data, len, &p, path, err);
	return rc == RS_OK ? parse_values(&p, key, m, path, err) : rc;
}

/* ---- CMS ---- */

/* Returns a memory BIO holding the PEM file, or NULL. */
static BIO *cms_seal(const char *payload, size_t len, const rs_backup_to *to,
    rs_error *err)
{
	size_t dlen = 0;
	unsigned char *der = rs_backup_seal(payload, len, to, &dlen);
	BIO *out = der != NULL ? BIO_new(BIO_s_mem()) : NULL;

	if (out == NULL || PEM_write_bio(out, "CMS", "", der, (long)dlen) <= 0) {
		BIO_free(out);
		out = NULL;
		rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encrypt the key backup"));
	}
	OPENSSL_free(der);
	return out;
}

/* True when the error queue says the password did not unwrap the key. */
static bool unwrap_failed(void)
{
	unsigned long e;
	bool found = false;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == ERR_LIB_CMS
		    && ERR_GET_REASON(e) == CMS_R_UNWRAP_FAILURE)
			found = true;
	return found;
}

static bool has_recipient(CMS_ContentInfo *cms, int type)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	int i;

	for (i = 0; ris != NULL && i < sk_CMS_RecipientInfo_num(ris); i++)
		if (CMS_RecipientInfo_type(sk_CMS_RecipientInfo_value(ris, i))
		    == type)
			return true;
	return false;
}

/* One DER element at a time, over OpenSSL's own re-encoding of what it
 * parsed (definite lengths only). */
struct der {
	const unsigned char *p;
	long len;
};

/* Takes the next element of d if its identifier octet is id (-1: any); its
 * content goes to content (may be NULL). */
static bool der_take(struct der *d, int id, struct der *content)
{
	const unsigned char *q = d->p;
	long clen;
	int tag, cls, r;

	if (d->len < 2 || (id >= 0 && d->p[0] != id))
		return false;
	r = ASN1_get_object(&q, &clen, &tag, &cls, d->len);
	if ((r & 0x80) != 0 || (r & 0x01) != 0)
		return false;
	if (content != NULL) {
		content->p = q;
		content->len = clen;
	}
	d->len -= (long)(q - d->p) + clen;
	d->p = q + clen;
	return true;
}

static int kdf_unreadable(const char *path, rs_error *err)
{
	return rs_err(err, RS_ERR_BAD_FILE,
	    _("%s has a password block whose key derivation cannot be read (it must be PBKDF2 with an iteration count): it was not written by rskeymgmt or has been tampered with; use another backup"),
	    path);
}

/* keyDerivationAlgorithm (the content of its [0]): PBKDF2, with a count
 * that keeps the total (every block is tried in turn) to MAX_ITERATIONS. */
static int kdf_check(const struct der *kdf, int64_t *total, const char *path,
    rs_error *err)
{
	const unsigned char *p = kdf->p;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, kdf->len);
	PBKDF2PARAM *param = NULL;
	int64_t iter = 0;
	char name[80];
	int rc = RS_OK;

	if (obj != NULL && OBJ_obj2nid(obj) != NID_id_pbkdf2) {
		OBJ_obj2txt(name, sizeof name, obj, 0);
		rc = rs_err(err, RS_ERR_BAD_FILE,
		    _("%s derives its password key with %s instead of PBKDF2: it was not written by rskeymgmt or has been tampered with; use another backup"),
		    path, name);
	} else if (obj == NULL || (param = d2i_PBKDF2PARAM(NULL, &p,
	    kdf->len - (long)(p - kdf->p))) == NULL
	    || ASN1_INTEGER_get_int64(&iter, param->iter) != 1 || iter < 1) {
		rc = kdf_unreadable(path, err);
	} else if (param->prf != NULL
	    && OBJ_obj2nid(param->prf->algorithm) != NID_hmacWithSHA256
	    && OBJ_obj2nid(param->prf->algorithm) != NID_hmacWithSHA1) {
		rc = kdf_unreadable(path, err);
	} else if (iter < MIN_ITERATIONS) {
		rc = rs_err(err, RS_ERR_BAD_FILE,
		    _("%s asks for only %" PRId64 " PBKDF2 iterations (fewer than 100,000): it was not written by rskeymgmt or has been tampered with; use another backup"),
		    path, iter);
	} else if (iter > MAX_ITERATIONS - *total) {   /* *total <= the cap */
		rc = rs_err(err, RS_ERR_BAD_FILE,
		    _("%s asks for %" PRId64 " PBKDF2 iterations (more than 10,000,000): it was not written by rskeymgmt or has been tampered with; use another backup"),
		    path, iter > INT64_MAX - *total ? INT64_MAX : *total + iter);
	} else {
		*total += iter;
	}
	PBKDF2PARAM_free(param);
	ASN1_OBJECT_free(obj);
	return rc;
}

/* Whatever key derivation a password block names, OpenSSL runs at the cost
 * the file asks for (PKCS#12 and PBES1 schemes included), and 3.0 has no
 * getter for it: a forged file asking for billions of iterations would keep
 * us busy for hours before failing.  And where a block names none (it is
 * optional in RFC 3211), OpenSSL 3.0 dereferences NULL.  So every password
 * recipient is found in the DER and checked before any decryption (the cap
 * is on their total: OpenSSL tries each in turn, and 64 KiB holds hundreds):
 * ContentInfo { OID, [0] EnvelopedData { version, [0] originatorInfo
 * OPTIONAL, SET OF RecipientInfo, ... } }, pwri [3] { version,
 * [0] keyDerivationAlgorithm, ... }. */
static int not_ours(const char *path, rs_error *err)
{
	return rs_err(err, RS_ERR_BAD_FILE,
	    _("%s uses an encryption that rskeymgmt does not write (it reads AES-256 content, PBKDF2 password blocks and RSA certificate recipients): it was not written by rskeymgmt or has been tampered with; use another backup"),
	    path);
}

/* The NID of the OID element at the front of d (taken), NID_undef if none. */
static int der_take_oid(struct der *d)
{
	const unsigned char *p = d->p, *start = d->p;
	ASN1_OBJECT *obj;
	int nid;

	if (!der_take(d, 0x06, NULL))
		return NID_undef;
	obj = d2i_ASN1_OBJECT(NULL, &p, (long)(d->p - start));
	nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
	ASN1_OBJECT_free(obj);
	return nid;
}

/* A password block: version, [0] kdf, then PWRI-KEK with AES-256-CBC. */
static int pwri_check(struct der *ri, int64_t *total, const char *path,
    rs_error *err)
{
	struct der kdf, kea, wrap;
	int rc;

	if (!der_take(ri, 0x02, NULL) || !der_take(ri, 0xa0, &kdf))
		return kdf_unreadable(path, err);
	if ((rc = kdf_check(&kdf, total, path, err)) != RS_OK)
		return rc;
	if (!der_take(ri, 0x30, &kea) || der_take_oid(&kea) != NID_id_alg_PWRI_KEK
	    || !der_take(&kea, 0x30, &wrap)
	    || der_take_oid(&wrap) != NID_aes_256_cbc)
		return not_ours(path, err);
	return RS_OK;
}

/* EncryptedContentInfo { id-data, { AES-256-GCM or, in files before the
 * authenticated format, AES-256-CBC } ... }. */
static int content_check(struct der *ed, bool auth, const char *path,
    rs_error *err)
{
	struct der eci, alg;

	if (!der_take(ed, 0x30, &eci) || der_take_oid(&eci) != NID_pkcs7_data
	    || !der_take(&eci, 0x30, &alg)
	    || der_take_oid(&alg) != (auth ? NID_aes_256_gcm : NID_aes_256_cbc))
		return not_ours(path, err);
	return RS_OK;
}

static int recipients_check(const unsigned char *der, long len,
    const char *path, rs_error *err)
{
	struct der d = { der, len }, ci, env, ed, ris, ri;
	int64_t total = 0;
	int id, type, rc = RS_OK;

	if (!der_take(&d, 0x30, &ci) || (type = der_take_oid(&ci)) == NID_undef
	    || !der_take(&ci, 0xa0, &env) || !der_take(&env, 0x30, &ed)
	    || !der_take(&ed, 0x02, NULL)
	    || (ed.len > 0 && ed.p[0] == 0xa0 && !der_take(&ed, 0xa0, NULL))
	    || !der_take(&ed, 0x31, &ris))
		return kdf_unreadable(path, err);
	while (rc == RS_OK && ris.len > 0) {
		id = ris.p[0];
		if (!der_take(&ris, -1, &ri))
			rc = kdf_unreadable(path, err);
		else if (id == 0xa3)
			rc = pwri_check(&ri, &total, path, err);
		else if (id != 0x30)   /* only KTRI besides */
			rc = not_ours(path, err);
	}
	return rc == RS_OK ? content_check(&ed,
	    type == NID_id_smime_ct_authEnvelopedData, path, err) : rc;
}

static int cms_recipients_check(CMS_ContentInfo *cms, const char *path,
    rs_error *err)
{
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der), rc;

	if (len <= 0) {
		ERR_clear_error();
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is damaged or truncated: its encrypted block cannot be decoded; use another copy of the backup"),
		    path);
	}
	rc = recipients_check(der, len, path, err);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

static CMS_ContentInfo *cms_load(const char *data, size_t len,
    bool identity, const char *path, rs_error *err)
{
	BIO *bio;
	CMS_ContentInfo *cms;
	int type;

	if (memmem(data, len, PEM_BEGIN, strlen(PEM_BEGIN)) == NULL) {
		rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is not a key backup (it has no \"%s\" block); choose the file that Backup or rskeymgmt -e wrote"),
		    path, PEM_BEGIN);
		return NULL;
	}
	bio = BIO_new_mem_buf(data, (int)len);
	cms = bio != NULL ? PEM_read_bio_CMS(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (cms == NULL) {
		rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is damaged or truncated: its encrypted block cannot be decoded; use another copy of the backup"),
		    path);
		return NULL;
	}
	type = OBJ_obj2nid(CMS_get0_type(cms));
	/* Our own certificate-only backup, given a password: say how it
	 * opens, not that rskeymgmt did not write it. */
	if ((type == NID_pkcs7_enveloped
	    || type == NID_id_smime_ct_authEnvelopedData) && !identity
	    && !has_recipient(cms, CMS_RECIPINFO_PASS)
	    && has_recipient(cms, CMS_RECIPINFO_TRANS)) {
		CMS_ContentInfo_free(cms);
		rs_err(err, RS_ERR_BAD_FILE,
		    _("%s was made for certificates only: no password opens it. Give the private key of one of its certificates: rskeymgmt --identity KEY (with -a or --check-backup)"),
		    path);
		return NULL;
	}
	if ((type != NID_pkcs7_enveloped
	    && type != NID_id_smime_ct_authEnvelopedData)
	    || !(has_recipient(cms, CMS_RECIPINFO_PASS) || (identity
	    && has_recipient(cms, CMS_RECIPINFO_TRANS)))) {
		CMS_ContentInfo_free(cms);
		rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is a CMS file but not a password-protected key backup; choose the file that Backup or rskeymgmt -e wrote"),
		    path);
		return NULL;
	}
	if (cms_recipients_check(cms, path, err) != RS_OK) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

/* Every failure after the password opened the file says this, with one
 * exit status, whatever went wrong: a CBC file from before the
 * authenticated format could otherwise be read as a padding oracle (bad
 * padding and bad content told apart), and the cause is the same for the
 * admin anyway. */
static int unusable(const char *path, bool identity, rs_error *err)
{
	rs_err_clear(err);
	ERR_clear_error();
	/* One sentence per way of opening: which one is no secret. */
	if (identity)
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s opens with this private key but its content is damaged, altered or not a key backup this version reads; use another copy of the backup"),
		    path);
	return rs_err(err, RS_ERR_BAD_FILE,
	    _("%s opens with this password but its content is damaged, altered or not a key backup this version reads; use another copy of the backup"),
	    path);
}

/* Decrypts into a secure-memory BIO (wiped when freed). */
static int cms_open(CMS_ContentInfo *cms, const char *password, size_t pwlen,
    BIO *out, const char *path, rs_error *err)
{
	ERR_clear_error();
	/* set1_password only borrows the password for this call. */
	if (CMS_decrypt_set1_password(cms, (unsigned char *)password,
	    (ossl_ssize_t)pwlen) != 1) {
		if (unwrap_failed())
			return rs_err(err, RS_ERR_BAD_PASSWORD,
			    _("wrong password for the backup file %s (or its password block was altered); passwords are case-sensitive: check it and try again"),
			    path);
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s cannot be opened: its password block is damaged or uses an unsupported method; use another copy of the backup"),
		    path);
	}
	if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY) != 1)
		return unusable(path, false, err);
	return RS_OK;
}

/* With the identity: the first certificate recipient its key opens
 * (PKCS#1 v1.5 fails on another key), then the content. */
static int cms_open_identity(CMS_ContentInfo *cms, EVP_PKEY *pkey, BIO *out,
    const char *path, rs_error *err)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	CMS_RecipientInfo *ri;
	bool opened = false;
	int i;

	for (i = 0; !opened && i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS
		    || EVP_PKEY_up_ref(pkey) != 1)
			continue;
		/* set0: the recipient owns that reference from here on. */
		CMS_RecipientInfo_set0_pkey(ri, pkey);
		opened = CMS_RecipientInfo_decrypt(cms, ri) == 1;
	}
	ERR_clear_error();
	if (!opened)
		return rs_err(err, RS_ERR_BAD_PASSWORD,
		    _("the private key given opens none of the certificate recipients of %s; give the key of a certificate the backup was made for"),
		    path);
	if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY) != 1)
		return unusable(path, true, err);
	return RS_OK;
}

/* ---- reading ---- */

int rs_backup_stdout_refused(rs_error *err)
{
	return rs_err(err, RS_ERR_USAGE,
	    _("-f - writes the backup to standard output, which is a terminal; pipe it (rskeymgmt -e -f - | ...) or give a file"));
}

bool rs_backup_is_stdio(const char *path)
{
	return strcmp(path, "-") == 0;
}

/* -f -: standard input, read once and kept (ciphertext only), so that a
 * restore's preview and the restore itself read the same bytes. */
static int read_stdin(char **data, size_t *len, rs_error *err)
{
	static char *kept;
	static size_t kept_len;
	ssize_t got;

	if (kept == NULL) {
		if (isatty(STDIN_FILENO))
			return rs_err(err, RS_ERR_USAGE,
			    _("-f - reads the backup from standard input, which is a terminal; pipe the backup in (... | rskeymgmt -a -f -) or give its file"));
		kept = malloc(RS_BACKUP_MAX_FILE + 1);
		if (kept == NULL)
			return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
		while (kept_len <= RS_BACKUP_MAX_FILE) {
			got = read(STDIN_FILENO, kept + kept_len,
			    RS_BACKUP_MAX_FILE + 1 - kept_len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				return rs_err(err, RS_ERR_IO,
				    _("cannot read %s: %s"), _("standard input"),
				    strerror(errno));
			if (got == 0)
				break;
			kept_len += (size_t)got;
		}
	}
	if (kept_len == 0 || kept_len > RS_BACKUP_MAX_FILE)
		return rs_err(err, RS_ERR_BAD_FILE, kept_len == 0
		    ? _("%s is empty, so it is not a key backup (an interrupted copy?); use another copy")
		    : _("%s is too large to be a key backup; check that you chose the right file"),
		    _("standard input"));
	*data = malloc(kept_len);
	if (*data == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	memcpy(*data, kept, kept_len);
	*len = kept_len;
	return RS_OK;
}

static int read_file(const char *path, char **data, size_t *len,
    rs_error *err)
{
	struct stat st;
	ssize_t got;
	int fd;

	*data = NULL;
	if (rs_backup_is_stdio(path))
		return read_stdin(data, len, err);
	/* O_NONBLOCK: a FIFO given as the file must not hang the tool. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return rs_err(err, RS_ERR_NOT_FOUND,
			    _("no backup file at %s; check the path"), path);
		return rs_err(err, RS_ERR_IO, _("cannot read %s: %s"), path,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rs_err(err, RS_ERR_BAD_FILE,
		    _("%s is not a regular file; choose the backup file itself"),
		    path);
	}
	if (st.st_size == 0 || st.st_size > RS_BACKUP_MAX_FILE) {
		close(fd);
		return rs_err(err, RS_ERR_BAD_FILE, st.st_size == 0
		    ? _("%s is empty, so it is not a key backup (an interrupted copy?); use another copy")
		    : _("%s is too large to be a key backup; check that you chose the right file"),
		    path);
	}
	*data = malloc((size_t)st.st_size + 1);
	got = *data != NULL ? read(fd, *data, (size_t)st.st_size + 1) : -1;
	close(fd);
	if (got < 0) {
		free(*data);
		*data = NULL;
		return rs_err(err, RS_ERR_IO, _("cannot read %s: %s"), path,
		    strerror(errno));
	}
	*len = (size_t)got;
	return RS_OK;
}

int rs_backup_read(const char *path, const char *password, size_t pwlen,
    rs_symkey *key, rs_backup_meta *meta, rs_error *err)
{
	return rs_backup_read_with(path, password, pwlen, NULL, key, meta, err);
}

static int read_data(const char *data, size_t len, const char *password,
    size_t pwlen, EVP_PKEY *identity, rs_symkey *key, rs_backup_meta *meta,
    const char *path, rs_error *err);

int rs_backup_read_with(const char *path, const char *password, size_t pwlen,
    const rs_backup_keys *keys, rs_symkey *key, rs_backup_meta *meta,
    rs_error *err)
{
	EVP_PKEY *identity = keys != NULL ? keys->identity : NULL;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (password == NULL) {
		password = "";
		pwlen = 0;
	}
	if ((rc = read_file(path, &data, &len, err)) != RS_OK)
		return rc;
	rc = read_data(data, len, password, pwlen, identity, key, meta,
	    rs_backup_is_stdio(path) ? _("standard input") : path, err);
	free(data);   /* ciphertext only */
	return rc;
}

static int read_data(const char *data, size_t len, const char *password,
    size_t pwlen, EVP_PKEY *identity, rs_symkey *key, rs_backup_meta *meta,
    const char *path, rs_error *err)
{
	char *plain;
	long plen;
	CMS_ContentInfo *cms;
	BIO *out = NULL;
	rs_symkey *tmp = NULL;
	rs_backup_meta m;
	int rc = RS_OK;

	memset(&m, 0, sizeof m);
	cms = cms_load(data, len, identity != NULL, path, err);
	if (cms == NULL)
		return RS_ERR_BAD_FILE;
	if ((out = BIO_new(BIO_s_secmem())) == NULL
	    || (tmp = rs_symkey_new()) == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc == RS_OK)
		rc = identity != NULL
		    ? cms_open_identity(cms, identity, out, path, err)
		    : cms_open(cms, password, pwlen, out, path, err);
	if (rc == RS_OK) {
		plen = BIO_get_mem_data(out, &plain);
		rc = plen > PAYLOAD_MAX ? RS_ERR_BAD_FILE
		    : payload_parse(plain, plen > 0 ? (size_t)plen : 0, tmp, &m,
		    path, err);
		if (rc != RS_OK)
			rc = unusable(path, identity != NULL, err);
	}
	if (rc == RS_OK && key != NULL)
		memcpy(key->bytes, tmp->bytes, RS_KEY_LEN);
	if (rc == RS_OK && meta != NULL)
		*meta = m;
	CMS_ContentInfo_free(cms);
	BIO_free(out);
	rs_symkey_free(tmp);
	return rc;
}

/* ---- writing ---- */

static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

struct verify_args {
	const char *path, *password;
	size_t pwlen;
	const rs_backup_keys *keys;
	const rs_symkey *key;
	int rc;
};

/* Reads the written file back before it gets its name: only a backup that
 * opens to the same key is ever published. */
static int temp_verify(const char *tmp, void *arg, rs_error *err)
{
	struct verify_args *a = arg;
	rs_symkey *back = rs_symkey_new();
	rs_backup_meta m;
	int rc;

	if (back == NULL)
		return a->rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	/* Certificates only and no identity: the seal parsed it back; the
	 * content cannot be read here (the caller says so). */
	if (a->password == NULL && !rs_backup_keys_has_identity(a->keys)) {
		rs_symkey_free(back);
		return a->rc = RS_OK;
	}
	rc = rs_backup_read_with(tmp, a->password, a->pwlen,
	    a->password != NULL ? NULL : a->keys, back, &m, err);
	if (rc == RS_OK
	    && CRYPTO_memcmp(back->bytes, a->key->bytes, RS_KEY_LEN) != 0)
		rc = rs_err(err, RS_ERR_IO,
		    _("the backup written to %s does not read back to the same key; nothing was saved: try again or choose another disk"),
		    a->path);
	else if (rc != RS_OK) {
		rs_err_clear(err);
		rc = rs_err(err, RS_ERR_IO,
		    _("the backup written for %s does not read back; nothing was saved: try again or choose another disk"),
		    a->path);
	}
	rs_symkey_free(back);
	return a->rc = rc;
}

/* -f -: read back from memory, then all of it to standard output (never
 * a terminal: the caller checked before asking for a password). */
static int save_stdout(BIO *pem, struct verify_args *va, rs_error *err)
{
	char *data;
	long n = BIO_get_mem_data(pem, &data);
	rs_symkey *back = rs_symkey_new();
	size_t done = 0;
	ssize_t w;
	int rc = back != NULL ? RS_OK
	    : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));

	if (rc == RS_OK && (va->password != NULL
	    || rs_backup_keys_has_identity(va->keys))) {
		rc = read_data(data, (size_t)n, va->password, va->pwlen,
		    va->password != NULL ? NULL : va->keys->identity, back, NULL,
		    _("standard output"), err);
		if (rc == RS_OK && CRYPTO_memcmp(back->bytes, va->key->bytes,
		    RS_KEY_LEN) != 0)
			rc = RS_ERR_IO;
		if (rc != RS_OK) {
			rs_err_clear(err);
			rc = rs_err(err, RS_ERR_IO,
			    _("the backup does not read back; nothing was written"));
		}
	}
	rs_symkey_free(back);
	while (rc == RS_OK && done < (size_t)n) {
		w = write(STDOUT_FILENO, data + done, (size_t)n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = rs_err(err, RS_ERR_IO,
			    _("cannot write the backup to standard output: %s"),
			    strerror(errno));
		else
			done += (size_t)w;
	}
	return rc;
}

/* A temp file (.rsbackup.XXXXXX, 0600) in the target folder, read back,
 * then linked to its name (or, with overwrite, renamed over it). */
static int save_file(BIO *pem, bool overwrite, struct verify_args *va,
    rs_error *err)
{
	char dir[PATH_MAX], *data;
	long n = BIO_get_mem_data(pem, &data);
	rs_atomic_file f = { .path = va->path, .dir = dir, .temp = ".rsbackup",
		.mode = 0600, .replace = overwrite, .verify = temp_verify,
		.arg = va };

	dir_of(va->path, dir, sizeof dir);
	if (n <= 0)
		return rs_err(err, RS_ERR_IO,
		    _("cannot write the backup in %s: %s"), dir, strerror(errno));
	switch (rs_atomic_write(&f, data, (size_t)n, err)) {
	case RS_ATOMIC_DONE:
		return RS_OK;
	case RS_ATOMIC_TOO_LONG:
		return rs_err(err, RS_ERR_IO, _("path too long: %s"), dir);
	case RS_ATOMIC_CREATE:
		return rs_err(err, RS_ERR_IO,
		    _("cannot create a file in %s: %s; choose a folder you can write to"),
		    dir, strerror(errno));
	case RS_ATOMIC_VERIFY:
		return va->rc;
	case RS_ATOMIC_NAME:
		if (errno == EEXIST)
			return rs_err(err, RS_ERR_EXISTS,
			    _("%s already exists; choose another name or use --overwrite"),
			    va->path);
		return rs_err(err, RS_ERR_IO, _("cannot save the backup as %s: %s"),
		    va->path, strerror(errno));
	case RS_ATOMIC_SYNC_DIR:
		return rs_err(err, RS_ERR_IO,
		    _("cannot save the backup as %s: syncing the folder failed: %s"),
		    va->path, strerror(errno));
	case RS_ATOMIC_WRITE:
	default:
		return rs_err(err, RS_ERR_IO,
		    _("cannot write the backup in %s: %s"), dir, strerror(errno));
	}
}

int rs_backup_write(const char *path, const char *password, size_t pwlen,
    const rs_symkey *key, const rs_backup_meta *meta, bool overwrite,
    rs_error *err)
{
	return rs_backup_write_for(path, password, pwlen, NULL, key, meta,
	    overwrite, err);
}

int rs_backup_write_for(const char *path, const char *password, size_t pwlen,
    const rs_backup_keys *keys, const rs_symkey *key,
    const rs_backup_meta *meta, bool overwrite, rs_error *err)
{
	struct verify_args va = { .path = path, .password = password,
		.pwlen = pwlen, .keys = keys, .key = key, .rc = RS_OK };
	rs_backup_to to = { .password = password, .pwlen = pwlen,
		.iterations = RS_BACKUP_ITERATIONS,
		.certs = keys != NULL ? keys->certs : NULL,
		.ncerts = rs_backup_keys_certs(keys) };
	rs_backup_meta empty;
	char *payload;
	size_t len;
	BIO *pem;
	int rc;

	if (rs_backup_is_stdio(path) && isatty(STDOUT_FILENO))
		return rs_backup_stdout_refused(err);
	if (password == NULL && to.ncerts == 0)
		return rs_err(err, RS_ERR_USAGE,
		    _("a backup needs a password or a certificate to open it"));
	if (password != NULL && (pwlen == 0 || pwlen > RS_PASSWORD_MAX))
		return rs_err(err, RS_ERR_POLICY,
		    _("the backup password must have 1 to %d characters"),
		    RS_PASSWORD_MAX);
	if (meta == NULL) {
		memset(&empty, 0, sizeof empty);
		meta = &empty;
	}
	if (!meta_ok(meta))
		return rs_err(err, RS_ERR_INTERNAL,
		    _("invalid backup metadata (ids must be UUIDs, names one line)"));
	if (!kcv_agrees(key, meta))
		return rs_err(err, RS_ERR_INTERNAL,
		    _("the key to back up does not match the key check value %s"),
		    meta->kcv);
	payload = rs_secret_alloc(PAYLOAD_MAX);
	if (payload == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	len = payload_build(payload, key, meta);
	pem = len > 0 ? cms_seal(payload, len, &to, err) : NULL;
	rs_secret_free(payload, PAYLOAD_MAX);
	if (pem == NULL)
		return len > 0 ? RS_ERR_CRYPTO : rs_err(err, RS_ERR_INTERNAL,
		    _("cannot build the backup content"));
	rc = rs_backup_is_stdio(path) ? save_stdout(pem, &va, err)
	    : save_file(pem, overwrite, &va, err);
	BIO_free(pem);
	return rc;
}
