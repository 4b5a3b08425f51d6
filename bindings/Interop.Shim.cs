using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    /// <summary>The plugin's C shim (native/slurmnative_shim.c); every value mirrors one in slurmnative_shim.h, which the ABI test checks both ways.</summary>
    internal static partial class Shim
    {
        internal const int SLURMNATIVE_HOOK_INIT_POST_OPT = 1;
        internal const int SLURMNATIVE_HOOK_USER_INIT = 2;
        internal const int SLURMNATIVE_HOOK_EXIT = 3;
        internal const int SLURMNATIVE_HOOK_LOCAL_USER_INIT = 4;

        internal const int SLURMNATIVE_OPTION_UNSET = 0;
        internal const int SLURMNATIVE_OPTION_YES = 1;
        internal const int SLURMNATIVE_OPTION_NO = 2;
        internal const int SLURMNATIVE_OPTION_DONE = 3;

        internal const int SLURMNATIVE_LOG_ERROR = 0;
        internal const int SLURMNATIVE_LOG_USER = 1;
        internal const int SLURMNATIVE_LOG_INFO = 2;
        internal const int SLURMNATIVE_LOG_VERBOSE = 3;
        internal const int SLURMNATIVE_LOG_DEBUG = 4;

        internal const string SLURMNATIVE_OPTION_NAME = "krb5";
        internal const string SLURMNATIVE_FORWARDED_VARIABLE = "SLURMNATIVE_KRB5_FORWARDED";
        internal const string SLURMNATIVE_CCACHE_VARIABLE = "KRB5CCNAME";

        internal const string SLURMNATIVE_ARG_DEFAULT = "default";
        internal const string SLURMNATIVE_ARG_DEFAULT_OFF = "off";
        internal const string SLURMNATIVE_ARG_SCOPE = "scope";
        internal const string SLURMNATIVE_ARG_SCOPE_JOB = "job";
        internal const string SLURMNATIVE_ARG_STATE_DIR = "state_dir";
        internal const string SLURMNATIVE_ARG_CCACHE_DIR = "ccache_dir";
        internal const string SLURMNATIVE_ARG_POST_REFRESH = "post_refresh";
        internal const string SLURMNATIVE_ARG_MEMBARRIER = "membarrier";
        internal const string SLURMNATIVE_ARG_MEMBARRIER_DECLINE = "decline";
        internal const string SLURMNATIVE_ARG_MEMBARRIER_RUNTIME = "runtime";

        internal const string SLURMNATIVE_STATE_DIR = "/run/slurmnative";
        internal const string SLURMNATIVE_CCACHE_DIR = "/tmp";

        internal const string SLURMNATIVE_JOB_FILE_PREFIX = "job-";
        internal const string SLURMNATIVE_JOB_RECORD_SUFFIX = ".record";
        internal const string SLURMNATIVE_JOB_RECORD_MAGIC = "v1";
        internal const string SLURMNATIVE_CCACHE_NAME_PREFIX = "krb5cc_";

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_option_state")]
        internal static partial int OptionState();

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_context")]
        internal static partial int Context();

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_get_item_u32")]
        internal static partial int GetItemUInt32(SpankHandle spank, int item, out uint value);

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_getenv", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int GetEnv(SpankHandle spank, string name, [Out] byte[] buffer, int length);

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_setenv", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int SetEnv(SpankHandle spank, string name, string value, int overwrite);

        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_log", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial void Log(int level, string message);

        /// <summary>
        /// native/run_as_user.c: 0 with the wait status in <paramref name="status"/>, or a negated errno (ETIMEDOUT: killed at
        /// the timeout). <paramref name="environment"/> is NULL-terminated; <paramref name="output"/> receives the start of stderr.
        /// </summary>
        [LibraryImport(Libraries.Shim, EntryPoint = "slurmnative_run_as_user", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int RunAsUser(string program, uint uid, uint gid, uint[] groups, int groupCount, nint[] environment,
            int timeoutMs, [Out] byte[] output, int outputLength, out int status);

        /// <summary>
        /// <see cref="RunAsUser(string, uint, uint, uint[], int, nint[], int, byte[], int, out int)"/> with the environment
        /// ("NAME=value") marshalled into the NULL-terminated char *[] execve wants, freed once the call returns.
        /// </summary>
        internal static int RunAsUser(string program, uint uid, uint gid, uint[] groups, IReadOnlyList<string> environment,
            int timeoutMs, byte[] output, out int status)
        {
            var strings = new nint[environment.Count + 1];
            try
            {
                for (int i = 0; i < environment.Count; i++)
                    strings[i] = Marshal.StringToCoTaskMemUTF8(environment[i]);
                return RunAsUser(program, uid, gid, groups, groups.Length, strings, timeoutMs, output, output.Length, out status);
            }
            finally
            {
                foreach (nint item in strings)
                {
                    if (item != 0)
                        Marshal.FreeCoTaskMem(item);
                }
            }
        }

        /// <summary>Copies a hook's (argc, argv) into managed strings; the pointers never leave bindings/.</summary>
        internal static string[] ReadArguments(int count, SpankArguments argv)
        {
            nint vector = argv.Vector;
            if (count <= 0 || vector == 0)
                return [];
            var arguments = new string[count];
            for (int i = 0; i < count; i++)
            {
                nint item = Marshal.ReadIntPtr(vector, i * nint.Size);
                arguments[i] = Marshal.PtrToStringUTF8(item) ?? string.Empty;
            }
            return arguments;
        }
    }

    /// <summary>Slurm's spank.h values the plugin passes through the shim.</summary>
    internal static class Spank
    {
        internal const int ESPANK_SUCCESS = 0;
        internal const int ESPANK_ERROR = 3000;
        internal const int ESPANK_BAD_ARG = 3001;
        internal const int ESPANK_NOT_TASK = 3002;
        internal const int ESPANK_ENV_EXISTS = 3003;
        internal const int ESPANK_ENV_NOEXIST = 3004;
        internal const int ESPANK_NOSPACE = 3005;
        internal const int ESPANK_NOT_REMOTE = 3006;
        internal const int ESPANK_NOEXIST = 3007;
        internal const int ESPANK_NOT_EXECD = 3008;
        internal const int ESPANK_NOT_AVAIL = 3009;
        internal const int ESPANK_NOT_LOCAL = 3010;

        internal const int S_CTX_ERROR = 0;
        internal const int S_CTX_LOCAL = 1;
        internal const int S_CTX_REMOTE = 2;
        internal const int S_CTX_ALLOCATOR = 3;
        internal const int S_CTX_SLURMD = 4;
        internal const int S_CTX_JOB_SCRIPT = 5;

        internal const int S_JOB_UID = 0;
        internal const int S_JOB_GID = 1;
        internal const int S_JOB_ID = 2;
        internal const int S_JOB_STEPID = 3;
        internal const int S_JOB_NNODES = 4;
        internal const int S_JOB_NODEID = 5;
        internal const int S_JOB_LOCAL_TASK_COUNT = 6;
        internal const int S_JOB_TOTAL_TASK_COUNT = 7;
        internal const int S_JOB_ARRAY_ID = 30;
        internal const int S_JOB_ARRAY_TASK_ID = 31;

        // Special step ids (slurm/slurm.h).
        internal const uint SLURM_INTERACTIVE_STEP = 0xfffffffa;
        internal const uint SLURM_BATCH_SCRIPT = 0xfffffffb;
        internal const uint SLURM_EXTERN_CONT = 0xfffffffc;
    }
}
