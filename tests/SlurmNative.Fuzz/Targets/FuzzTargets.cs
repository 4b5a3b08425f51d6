using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets.Ccache;
using SlurmNative.Fuzz.Targets.Configuration;
using SlurmNative.Fuzz.Targets.Gateway;
using SlurmNative.Fuzz.Targets.Jobs;
using SlurmNative.Fuzz.Targets.Jwt;
using SlurmNative.Fuzz.Targets.Protocol;
using SlurmNative.Fuzz.Targets.Store;

namespace SlurmNative.Fuzz.Targets;

/// <summary>Every target, by name. A new parser gets a target here and a folder of its own kind beside it.</summary>
public static class FuzzTargets
{
    private static readonly Dictionary<string, Func<FuzzTarget>> Factories = new(StringComparer.Ordinal)
    {
        ["frame"] = () => new FrameTarget(),
        ["request"] = () => new RequestTarget(),
        ["sealed-reply"] = () => new SealedReplyTarget(),
        ["plain-reply"] = () => new PlainReplyTarget(),
        ["list-body"] = () => new ListBodyTarget(),
        ["ccache"] = () => new CcacheFileTarget(),
        ["ccache-credential"] = () => new CredentialTarget(),
        ["upload-ticket"] = () => new UploadTicketTarget(),
        ["job-ccache-record"] = () => new JobCcacheRecordTarget(),
        ["stepd-title"] = () => new StepdTitleTarget(),
        ["krb5-conf"] = () => new Krb5ConfTarget(),
        ["slurmnative-conf"] = () => new SlurmNativeConfTarget(),
        ["acl-conf"] = () => new AclTarget(),
        ["plugstack-args"] = () => new PlugstackArgumentsTarget(),
        ["gateway-login"] = () => new LoginBodyTarget(),
        ["gateway-job"] = () => new JobRequestTarget(),
        ["slurmrestd-reply"] = () => new SlurmrestdReplyTarget(),
        ["squeue-json"] = () => new SqueueJsonTarget(),
        ["sinfo-json"] = () => new SinfoJsonTarget(),
        ["jwt"] = () => new JwtTarget(),
        ["jwks"] = () => new JwksTarget(),
        ["keyring-file"] = () => new KeyringFileTarget(),
        ["sealed-record"] = () => new SealedRecordTarget(),
    };

    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys];

    /// <exception cref="ArgumentException">no target has that name; the message lists them.</exception>
    public static FuzzTarget Create(string name) =>
        Factories.TryGetValue(name, out Func<FuzzTarget>? create)
            ? create()
            : throw new ArgumentException($"no fuzz target '{name}'; the targets are: {string.Join(", ", Names)}");
}
