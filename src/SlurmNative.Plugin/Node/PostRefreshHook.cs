using System.Globalization;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Plugin.Spank;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// The site's post_refresh program (aklog, for AFS, say), run after the job's ticket is installed or
/// refreshed: as the job's user, never root, with KRB5CCNAME pointing at the ticket, its stdin and stdout
/// /dev/null, and killed at its timeout, so a hung program never holds a step's start longer than that.
/// It is started from C (native/run_as_user.c): no .NET code runs in a child of slurmstepd.
/// </summary>
internal sealed class PostRefreshHook(string program, TimeSpan timeout, IPluginLog log)
{
    public void Run(NodeCcache ccache, uint jobId)
    {
        PasswdEntry? user;
        uint[] groups;
        try
        {
            user = UserDatabase.PasswdByUid(ccache.Uid);
            groups = user is null ? [ccache.Gid] : UserDatabase.GroupList(user.Name, ccache.Gid);
        }
        catch (IOException e)
        {
            log.Error($"post_refresh {program} not run: the user of uid {ccache.Uid} could not be looked up ({e.Message})");
            return;
        }
        string name = user?.Name ?? ccache.Uid.ToString(CultureInfo.InvariantCulture);
        string[] environment =
        [
            NodeTicketInstaller.CcacheVariable + "=" + ccache.CcacheName,
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "HOME=" + (user?.HomeDirectory is { Length: > 0 } home ? home : "/"),
            "USER=" + name,
            "LOGNAME=" + name,
            "SLURM_JOB_ID=" + jobId.ToString(CultureInfo.InvariantCulture),
        ];
        int result = UserProgram.Run(program, ccache.Uid, ccache.Gid, groups, environment, timeout, out int status, out string errors);
        string said = errors.Trim().ReplaceLineEndings(" ");
        if (said.Length > 0)
            said = $": {said}";
        switch (result)
        {
            case 0 when (status & 0x7f) == 0 && (status >> 8 & 0xff) == 0:
                log.Debug($"post_refresh {program} ran as {name}{said}");
                break;
            case 0 when (status & 0x7f) == 0:
                log.Error($"post_refresh {program} exited with {status >> 8 & 0xff} as {name}{said}");
                break;
            case 0:
                log.Error($"post_refresh {program} was killed by signal {status & 0x7f} as {name}{said}");
                break;
            case -Interop.Libc.ETIMEDOUT:
                log.Error($"post_refresh {program} was killed after {timeout.TotalSeconds:0.#} s (post_refresh_timeout) as {name}{said}");
                break;
            case -Interop.Libc.EPERM:
                log.Error($"post_refresh {program} never runs as root");
                break;
            default:
                log.Error($"post_refresh {program} could not be run as {name}: {Interop.Libc.Describe(-result, "start it")}");
                break;
        }
    }
}
