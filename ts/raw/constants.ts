/**
 * OpenSSL's constants that the exported functions take or return, with OpenSSL's names and values
 * (from include/openssl/ssl.h, tls1.h, crypto.h and x509_vfy.h of the pinned release).
 */
export const TLS1_VERSION = 0x0301;
export const TLS1_1_VERSION = 0x0302;
export const TLS1_2_VERSION = 0x0303;
export const TLS1_3_VERSION = 0x0304;

export const SSL_ERROR_NONE = 0;
export const SSL_ERROR_SSL = 1;
export const SSL_ERROR_WANT_READ = 2;
export const SSL_ERROR_WANT_WRITE = 3;
export const SSL_ERROR_WANT_X509_LOOKUP = 4;
export const SSL_ERROR_SYSCALL = 5;
export const SSL_ERROR_ZERO_RETURN = 6;
export const SSL_ERROR_WANT_CONNECT = 7;
export const SSL_ERROR_WANT_ACCEPT = 8;
export const SSL_ERROR_WANT_ASYNC = 9;
export const SSL_ERROR_WANT_ASYNC_JOB = 10;
export const SSL_ERROR_WANT_CLIENT_HELLO_CB = 11;
export const SSL_ERROR_WANT_RETRY_VERIFY = 12;

export const SSL_VERIFY_NONE = 0x00;
export const SSL_VERIFY_PEER = 0x01;
export const SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 0x02;
export const SSL_VERIFY_CLIENT_ONCE = 0x04;
export const SSL_VERIFY_POST_HANDSHAKE = 0x08;
export const X509_V_OK = 0;
export const X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 0x4;

// SSL_CTX_set_mode(3)
export const SSL_MODE_AUTO_RETRY = 0x0004;
export const SSL_MODE_RELEASE_BUFFERS = 0x0010;

export const SSL_SESS_CACHE_OFF = 0x0000;
export const SSL_SESS_CACHE_CLIENT = 0x0001;
export const SSL_SESS_CACHE_SERVER = 0x0002;
export const SSL_SESS_CACHE_BOTH = 0x0003;
export const SSL_SESS_CACHE_NO_AUTO_CLEAR = 0x0080;
export const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP = 0x0100;
export const SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x0200;
export const SSL_SESS_CACHE_NO_INTERNAL = 0x0300;
export const SSL_SESS_CACHE_UPDATE_TIME = 0x0400;

export const SSL_SENT_SHUTDOWN = 1;
export const SSL_RECEIVED_SHUTDOWN = 2;

export const SSL_OP_ALLOW_CLIENT_RENEGOTIATION = 1n << 8n;
export const SSL_OP_DISABLE_TLSEXT_CA_NAMES = 1n << 9n;
export const SSL_OP_ALLOW_NO_DHE_KEX = 1n << 10n;
export const SSL_OP_NO_QUERY_MTU = 1n << 12n;
export const SSL_OP_NO_TICKET = 1n << 14n;
export const SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION = 1n << 16n;
export const SSL_OP_NO_COMPRESSION = 1n << 17n;
export const SSL_OP_ENABLE_MIDDLEBOX_COMPAT = 1n << 20n;
export const SSL_OP_PRIORITIZE_CHACHA = 1n << 21n;
export const SSL_OP_CIPHER_SERVER_PREFERENCE = 1n << 22n;
export const SSL_OP_NO_ANTI_REPLAY = 1n << 24n;
export const SSL_OP_NO_TLSv1_2 = 1n << 27n;
export const SSL_OP_NO_TLSv1_3 = 1n << 29n;
export const SSL_OP_NO_RENEGOTIATION = 1n << 30n;

export const TLSEXT_NAMETYPE_host_name = 0;
export const SSL_TLSEXT_ERR_OK = 0;
export const SSL_TLSEXT_ERR_ALERT_WARNING = 1;
export const SSL_TLSEXT_ERR_ALERT_FATAL = 2;
export const SSL_TLSEXT_ERR_NOACK = 3;

export const SSL_TICKET_FATAL_ERR_MALLOC = 0;
export const SSL_TICKET_FATAL_ERR_OTHER = 1;
export const SSL_TICKET_NONE = 2;
export const SSL_TICKET_EMPTY = 3;
export const SSL_TICKET_NO_DECRYPT = 4;
export const SSL_TICKET_SUCCESS = 5;
export const SSL_TICKET_SUCCESS_RENEW = 6;
export const SSL_TICKET_RETURN_ABORT = 0;
export const SSL_TICKET_RETURN_IGNORE = 1;
export const SSL_TICKET_RETURN_IGNORE_RENEW = 2;
export const SSL_TICKET_RETURN_USE = 3;
export const SSL_TICKET_RETURN_USE_RENEW = 4;

export const OPENSSL_VERSION = 0;
export const OPENSSL_CFLAGS = 1;
export const OPENSSL_PLATFORM = 3;
export const OPENSSL_VERSION_STRING = 6;
export const OPENSSL_FULL_VERSION_STRING = 7;

export const ERR_LIB_SSL = 20;
export const ERR_TXT_STRING = 0x02;

// Early data (ssl.h): SSL_get_early_data_status and SSL_read_early_data results.
export const SSL_EARLY_DATA_NOT_SENT = 0;
export const SSL_EARLY_DATA_REJECTED = 1;
export const SSL_EARLY_DATA_ACCEPTED = 2;
export const SSL_READ_EARLY_DATA_ERROR = 0;
export const SSL_READ_EARLY_DATA_SUCCESS = 1;
export const SSL_READ_EARLY_DATA_FINISH = 2;
