/*
 * Every name and value the shim and the managed plugin both use, defined here once;
 * bindings/Interop.Shim.cs mirrors each and the ABI test compares the two both ways.
 */
#ifndef SLURMNATIVE_SHIM_H
#define SLURMNATIVE_SHIM_H

#define SLURMNATIVE_HOOK_INIT_POST_OPT 1
#define SLURMNATIVE_HOOK_USER_INIT 2
#define SLURMNATIVE_HOOK_EXIT 3
#define SLURMNATIVE_HOOK_LOCAL_USER_INIT 4

#define SLURMNATIVE_OPTION_UNSET 0
#define SLURMNATIVE_OPTION_YES 1
#define SLURMNATIVE_OPTION_NO 2
#define SLURMNATIVE_OPTION_DONE 3

#define SLURMNATIVE_LOG_ERROR 0
#define SLURMNATIVE_LOG_USER 1
#define SLURMNATIVE_LOG_INFO 2
#define SLURMNATIVE_LOG_VERBOSE 3
#define SLURMNATIVE_LOG_DEBUG 4

/* The srun/sbatch/salloc option (--krb5[=yes|no|done]). */
#define SLURMNATIVE_OPTION_NAME "krb5"

/*
 * Set in a job's environment once its ticket was forwarded; an srun that inherits it
 * and says nothing sends nothing, and starts no .NET runtime.
 */
#define SLURMNATIVE_FORWARDED_VARIABLE "SLURMNATIVE_KRB5_FORWARDED"

/* The variable a step's tasks find their ccache in. */
#define SLURMNATIVE_CCACHE_VARIABLE "KRB5CCNAME"

/* plugstack.conf arguments the shim reads before the runtime starts, and their values. */
#define SLURMNATIVE_ARG_DEFAULT "default"
#define SLURMNATIVE_ARG_DEFAULT_OFF "off"
#define SLURMNATIVE_ARG_SCOPE "scope"
#define SLURMNATIVE_ARG_SCOPE_JOB "job"
#define SLURMNATIVE_ARG_STATE_DIR "state_dir"
#define SLURMNATIVE_ARG_CCACHE_DIR "ccache_dir"
#define SLURMNATIVE_ARG_POST_REFRESH "post_refresh"
#define SLURMNATIVE_ARG_MEMBARRIER "membarrier"
#define SLURMNATIVE_ARG_MEMBARRIER_DECLINE "decline"
#define SLURMNATIVE_ARG_MEMBARRIER_RUNTIME "runtime"

/* Where a job's steps on a node find the ccache they share (plugstack state_dir=). */
#define SLURMNATIVE_STATE_DIR "/run/slurmnative"

/* Where a job's FILE ccache goes on a node (plugstack ccache_dir=): /tmp, where rpc.gssd looks. */
#define SLURMNATIVE_CCACHE_DIR "/tmp"

/*
 * The job record in the state directory, job-JOBID.record: "v1 UID EXTERN_PID FILENAME\n",
 * FILENAME being the ccache's name in the ccache directory, which starts "krb5cc_".
 */
#define SLURMNATIVE_JOB_FILE_PREFIX "job-"
#define SLURMNATIVE_JOB_RECORD_SUFFIX ".record"
#define SLURMNATIVE_JOB_RECORD_MAGIC "v1"
#define SLURMNATIVE_CCACHE_NAME_PREFIX "krb5cc_"

#endif
