using System.Globalization;
using System.Net;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Daemon.Acl;

/// <summary>
/// The daemon's access control list: which callers may do what to whose credential.
/// The file is a list of rules, one per line:
/// <code>
///   # role   conditions (all must hold; none means everyone)
///   admin    uid=0 host=127.0.0.1/32
///   node     user=slurm
///   gateway  user=slurmnative-gw host=127.0.0.1
///   user     *
/// </code>
/// Conditions: <c>uid=N</c>, <c>user=NAME</c>, <c>group=NAME</c>, <c>host=ADDRESS[/PREFIX]</c>.
/// </summary>
public sealed class AccessPolicy(IReadOnlyList<AclRule> rules)
{
    public IReadOnlyList<AclRule> Rules { get; } = rules;

    /// <summary>Used when no ACL file exists: users manage their own, root and SlurmUser serve nodes, root administers.</summary>
    /// <summary>
    /// Root administers from the daemon's own host; elsewhere root, like the Slurm user, is a node, which
    /// gets a user's ticket only for that user's job on it (node_fetch = job_bound).
    /// </summary>
    public static AccessPolicy Default(string slurmUser) => Parse($"""
        admin uid=0 host=local
        node  uid=0
        node  user={slurmUser}
        user  *
        """, "built-in default");

    public Role RolesOf(Caller caller)
    {
        Role roles = Role.None;
        foreach (AclRule rule in Rules)
        {
            if (rule.Matches(caller))
                roles |= rule.Role;
        }
        return roles;
    }

    /// <summary>
    /// Decides one request. <paramref name="targetUid"/> is whose credential is concerned;
    /// a refusal says why, in words fit for the daemon's log and the caller's terminal.
    /// </summary>
    public (bool Allowed, string Reason) Authorize(Caller caller, Operation operation, uint targetUid)
    {
        Role roles = RolesOf(caller);
        bool own = targetUid == caller.Uid;
        bool allowed = operation switch
        {
            Operation.Ping => true,
            Operation.Add => own && roles.HasFlag(Role.User) || roles.HasFlag(Role.Gateway) || roles.HasFlag(Role.Admin),
            Operation.AddAndKeep => own && roles.HasFlag(Role.User) || roles.HasFlag(Role.Admin),
            Operation.Get => own && roles.HasFlag(Role.User) || roles.HasFlag(Role.Node) || roles.HasFlag(Role.Admin),
            Operation.Remove => own && roles.HasFlag(Role.User) || roles.HasFlag(Role.Admin),
            Operation.List => own && roles.HasFlag(Role.User) || roles.HasFlag(Role.Admin),
            _ => false,
        };
        string reason = allowed
            ? ""
            : $"uid {caller.Uid} with roles '{(roles == Role.None ? "none" : roles.ToString().ToLowerInvariant())}' may not {operation.ToString().ToLowerInvariant()} the credential of uid {targetUid}";
        return (allowed, reason);
    }

    public static AccessPolicy Load(string path) => Parse(File.ReadAllText(path), path);

    public static AccessPolicy Parse(string text, string source)
    {
        var rules = new List<AclRule>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i];
            int comment = line.IndexOf('#');
            if (comment >= 0)
                line = line[..comment];
            string[] words = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            rules.Add(ParseRule(words, source, lineNumber));
        }
        return new AccessPolicy(rules);
    }

    private static AclRule ParseRule(string[] words, string source, int lineNumber)
    {
        AclFormatException Fail(string what) => new($"{source}:{lineNumber}: {what}");

        Role role = words[0] switch
        {
            "user" => Role.User,
            "node" => Role.Node,
            "admin" => Role.Admin,
            "gateway" => Role.Gateway,
            _ => throw Fail($"unknown role '{words[0]}'; use user, node, gateway or admin"),
        };
        if (words.Length == 1)
            throw Fail($"rule '{words[0]}' has no condition; write '*' to match everyone");

        var rule = new AclRule(role, null, null, null, null, lineNumber);
        if (words.Length == 2 && words[1] == "*")
            return rule;
        foreach (string condition in words.Skip(1))
        {
            int equals = condition.IndexOf('=');
            if (equals <= 0 || equals == condition.Length - 1)
                throw Fail($"condition '{condition}' is not key=value (keys: uid, user, group, host), or '*' alone");
            string key = condition[..equals];
            string value = condition[(equals + 1)..];
            rule = key switch
            {
                "uid" when rule.Uid is null => rule with { Uid = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) ? uid : throw Fail($"uid '{value}' is not a number") },
                "user" when rule.UserName is null => rule with { UserName = value },
                "group" when rule.Group is null => rule with { Group = value },
                "host" when rule.Network is null && !rule.Local => value == "local"
                    ? rule with { Local = true }
                    : rule with { Network = ParseNetwork(value) ?? throw Fail($"host '{value}' is not an address, address/prefix or 'local'") },
                "uid" or "user" or "group" or "host" => throw Fail($"condition '{key}' appears twice in one rule; split it into two rules"),
                _ => throw Fail($"unknown condition '{key}'; use uid, user, group or host"),
            };
        }
        return rule;
    }

    private static IPNetwork? ParseNetwork(string value)
    {
        if (IPNetwork.TryParse(value, out IPNetwork network))
            return network;
        if (IPAddress.TryParse(value, out IPAddress? address))
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return null;
    }
}
