/*
 * fuzz_pem.c - libFuzzer harness for the PEM loading path: trust anchors
 * (-A), client certificate chain (-F) and private key (-K), from arbitrary
 * bytes.  It compiles tls_credentials.c into itself to reach its static
 * loaders, and drops what they kept after each input.
 */
/* Deliberate: the loaders are static; the harness is one unit with them. */
#include "../../tls_credentials.c" // NOLINT(bugprone-suspicious-include)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || tls_state_map())
		return 0;
	pem_fn *const loaders[] = { add_anchor, add_chain_cert, add_key };
	pem_each_buf(data + 1, size - 1, loaders[data[0] % 3], NULL);
	keep_reset(); /* what the loaders kept, mapped in chunks: dropped */
	S->tas = NULL;
	S->ntas = S->tas_cap = 0;
	S->nchain = 0;
	S->have_client_key = false;
	return 0;
}
