/*
 * fuzz_pem.c - libFuzzer harness for the PEM loading path: trust anchors
 * (-A), client certificate chain (-F) and private key (-K), from arbitrary
 * bytes.  It compiles tls_bearssl.c into itself to reach its static
 * loaders, and frees what they kept so LeakSanitizer sees real leaks only.
 */
/* Deliberate: the loaders are static; the harness is one unit with them. */
#include "../../tls_bearssl.c" // NOLINT(bugprone-suspicious-include)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || state_map())
		return 0;
	pem_fn *const loaders[] = { add_anchor, add_chain_cert, add_key };
	pem_each_buf(data + 1, size - 1, loaders[data[0] % 3], NULL);
	for (size_t i = 0; i < S->ntas; i++) {
		free(S->tas[i].dn.data);
		if (S->tas[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(S->tas[i].pkey.key.rsa.n);
			free(S->tas[i].pkey.key.rsa.e);
		} else {
			free(S->tas[i].pkey.key.ec.q);
		}
	}
	free(S->tas);
	S->tas = NULL;
	S->ntas = 0;
	for (size_t i = 0; i < S->nchain; i++)
		free((void *)S->chain[i].data);
	S->nchain = 0;
	S->have_client_key = false;
	return 0;
}
