/* Values shared by the shim and bindings/Interop.Shim.cs; the ABI test compares them. */
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

/* Where a job's steps on a node find the ccache they share (plugstack state_dir=). */
#define SLURMNATIVE_STATE_DIR "/run/slurmnative"

#endif
