/*
 * Plays slurmctld for Slurm's own auth/jwt plugin (Debian's auth_jwt.so, or the one of the
 * Slurm whose headers it is compiled with and whose PLUGIN_DIR it is given):
 * loads libslurmfull and the plugin as slurmctld does, sets AuthAltParameters, calls the
 * plugin's init() and then auth_p_verify() on one token. So a token SlurmNative mints is
 * checked by the real verifier (libjwt, Slurm's JWKS-to-PEM conversion, its exp and sun
 * checks) without starting a daemon.
 *
 *   slurm_auth_jwt_host AUTHALT_PARAMETERS TOKEN
 *   prints "verify=RC verified=0|1 user=NAME"; exit 0 only when the token verified.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <slurm/slurm.h>
#include <slurm/slurm_version.h>

/*
 * auth_jwt.c's private credential struct. In 23.11 uid_set and gid_set became ids_set,
 * without moving verified, token or username, the only fields read here. A release not
 * checked against its auth_jwt.c (22.05 to 25.11 were) is refused rather than misread.
 */
#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(22, 5, 0) || SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 12, 0)
#error "slurm_auth_jwt_host mirrors auth_jwt's credential layout of Slurm 22.05 to 25.11; check it against this Slurm's auth_jwt.c"
#endif

#ifndef PLUGIN_DIR
#define PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/slurm-wlm"
#endif

#if SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 11, 0)
typedef struct {
	int index;
	bool verified;
	bool cannot_verify;
	bool uid_set;
	bool gid_set;
	uid_t uid;
	gid_t gid;
	char *token;
	char *username;
} auth_token_t;
#else
typedef struct {
	int index;
	bool verified;
	bool cannot_verify;
	bool ids_set;
	uid_t uid;
	gid_t gid;
	char *token;
	char *username;
} auth_token_t;
#endif

/* run_in_daemon.h's IS_SLURMCTLD: from 25.05 a daemon says what it is in slurm_daemon. */
#define IS_SLURMCTLD (1u << 3)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s AUTHALT_PARAMETERS TOKEN\n", argv[0]);
		return 64;
	}
	void *full = dlopen(PLUGIN_DIR "/libslurmfull.so", RTLD_NOW | RTLD_GLOBAL);
	if (!full) {
		fprintf(stderr, "cannot load libslurmfull: %s\n", dlerror());
		return 65;
	}
	/*
	 * auth/jwt loads keys only in slurmctld and slurmdbd. Up to 24.11 it asks the program name
	 * (slurm_prog_name); from 25.05 that symbol is gone and a daemon sets slurm_daemon instead.
	 */
	slurm_conf_t *conf = dlsym(full, "slurm_conf");
	char **prog_name = dlsym(full, "slurm_prog_name");
	unsigned int *daemon = dlsym(full, "slurm_daemon");
	if (!conf || (!prog_name && !daemon)) {
		fprintf(stderr, "libslurmfull lacks slurm_conf, or both slurm_prog_name and slurm_daemon\n");
		return 65;
	}
	if (prog_name)
		*prog_name = "slurmctld";
	if (daemon)
		*daemon = IS_SLURMCTLD;
	conf->authalt_params = argv[1];
	conf->plugindir = PLUGIN_DIR;

	void *plugin = dlopen(PLUGIN_DIR "/auth_jwt.so", RTLD_NOW);
	if (!plugin) {
		fprintf(stderr, "cannot load auth_jwt.so (package slurm-wlm-jwt-plugin): %s\n", dlerror());
		return 65;
	}
	int (*init)(void) = (int (*)(void))dlsym(plugin, "init");
	auth_token_t *(*create)(char *, uid_t, void *, int) = (auth_token_t *(*)(char *, uid_t, void *, int))dlsym(plugin, "auth_p_create");
	int (*verify)(auth_token_t *, char *) = (int (*)(auth_token_t *, char *))dlsym(plugin, "auth_p_verify");
	if (!init || !create || !verify) {
		fprintf(stderr, "auth_jwt.so lacks init, auth_p_create or auth_p_verify\n");
		return 65;
	}
	if (init()) {
		fprintf(stderr, "auth_jwt init() failed\n");
		return 66;
	}
	auth_token_t *cred = create(NULL, 0, NULL, 0);
	cred->token = strdup(argv[2]);
	int rc = verify(cred, NULL);
	printf("verify=%d verified=%d user=%s\n", rc, cred->verified, cred->username ? cred->username : "(none)");
	return (rc == 0 && cred->verified) ? 0 : 1;
}
