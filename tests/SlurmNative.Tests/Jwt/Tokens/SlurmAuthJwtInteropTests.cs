using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Jwt.Tokens;

/// <summary>
/// Tokens minted here, checked by the installed Slurm's own auth/jwt plugin
/// (slurm_auth_jwt_host.c loads auth_jwt.so as slurmctld would and calls auth_p_verify).
/// Needs the packages build.sh installs for the test cluster plus slurm-wlm-jwt-plugin.
/// </summary>
public sealed class SlurmAuthJwtInteropTests : IDisposable
{
    /// <summary>Debian's plugin directory, or lib/slurm of the Slurm under test (configure's default pkglibdir).</summary>
    private static readonly string PluginDirectory = Repository.SlurmPrefix is { } prefix
        ? Path.Combine(prefix, "lib", "slurm")
        : "/usr/lib/x86_64-linux-gnu/slurm-wlm";

    private static readonly Lazy<string> Host = new(() =>
    {
        Assert.True(File.Exists(Path.Combine(PluginDirectory, "auth_jwt.so")),
            $"{PluginDirectory}/auth_jwt.so is missing: install Debian's slurm-wlm-jwt-plugin, or build that Slurm with --with-jwt (the test cluster's AuthAltTypes=auth/jwt needs it too)");
        return Command.CompileC(Path.Combine(Repository.Root, "tests", "SlurmNative.Tests", "Jwt", "Tokens", "slurm_auth_jwt_host.c"), "slurm_auth_jwt_host",
            "-ldl", $"-DPLUGIN_DIR=\"{PluginDirectory}\"");
    });

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static CommandResult SlurmVerifies(string parameters, string token) =>
        Command.Run(Host.Value, [parameters, token], TimeSpan.FromSeconds(30));

    private static void Accepted(CommandResult result, string user)
    {
        Assert.True(result.ExitCode == 0, $"Slurm's auth/jwt refused the token:\n{result.Output}");
        Assert.Contains($"verify=0 verified=1 user={user}", result.Stdout, StringComparison.Ordinal);
    }

    private static void Refused(CommandResult result, string reason)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("verified=0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
    }

    private string HsKey()
    {
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        return path;
    }

    [Fact]
    public void Slurm_accepts_our_hs256_token_and_reads_the_user_from_sun()
    {
        string key = HsKey();
        using HmacKey hmac = Hs256KeyFile.Load(key);
        Accepted(SlurmVerifies($"jwt_key={key}", SlurmToken.Mint("alice", TimeSpan.FromMinutes(5), hmac)), "alice");
    }

    [Fact]
    public void Slurm_refuses_our_token_once_altered_expired_or_signed_with_another_key()
    {
        string key = HsKey();
        using HmacKey hmac = Hs256KeyFile.Load(key);
        string token = SlurmToken.Mint("alice", TimeSpan.FromMinutes(5), hmac);

        string forged = TokenParts.WithClaim(token, "sun", "root");
        Refused(SlurmVerifies($"jwt_key={key}", forged), "jwt_decode failure");

        var past = new ManualTime(DateTimeOffset.UtcNow.AddHours(-2));
        Refused(SlurmVerifies($"jwt_key={key}", SlurmToken.Mint("alice", TimeSpan.FromHours(1), hmac, past)), "token expired");

        string other = dir.File("other.key");
        Hs256KeyFile.Create(other, force: false);
        using HmacKey otherKey = Hs256KeyFile.Load(other);
        Refused(SlurmVerifies($"jwt_key={key}", SlurmToken.Mint("alice", TimeSpan.FromMinutes(5), otherKey)), "jwt_decode failure");
    }

    [Fact]
    public void Slurm_accepts_rs256_tokens_through_the_published_jwks_across_rotation_until_retirement()
    {
        string set = dir.File("signing.jwks");
        string jwks = dir.File("jwks.json");
        string first = RsaKeySet.Create(set, force: false);
        string old = MintWith(set, "bob");
        RsaKeySet.Rotate(set);
        string fresh = MintWith(set, "carol");
        RsaKeySet.Publish(set, jwks);

        Accepted(SlurmVerifies($"jwks={jwks}", old), "bob");
        Accepted(SlurmVerifies($"jwks={jwks}", fresh), "carol");

        RsaKeySet.Retire(set, first);
        RsaKeySet.Publish(set, jwks);
        Refused(SlurmVerifies($"jwks={jwks}", old), "could not find matching kid");
        Accepted(SlurmVerifies($"jwks={jwks}", fresh), "carol");
    }

    [Fact]
    public void With_only_jwks_configured_slurm_refuses_hs256_as_slurm_conf_says()
    {
        string set = dir.File("signing.jwks");
        string jwks = dir.File("jwks.json");
        RsaKeySet.Create(set, force: false);
        RsaKeySet.Publish(set, jwks);
        string key = HsKey();
        using HmacKey hmac = Hs256KeyFile.Load(key);
        string token = SlurmToken.Mint("alice", TimeSpan.FromMinutes(5), hmac);
        Refused(SlurmVerifies($"jwks={jwks}", token), "no key file loaded");
        Accepted(SlurmVerifies($"jwks={jwks},jwt_key={key}", token), "alice");
    }

    private static string MintWith(string set, string user)
    {
        using RsaKeySet keys = RsaKeySet.Load(set);
        return SlurmToken.Mint(user, TimeSpan.FromMinutes(10), keys.Current);
    }
}
