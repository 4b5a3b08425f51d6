using System.CommandLine;
using System.Globalization;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Files;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Cli;

/// <summary>
/// `slurmnative jwt`: Slurm JWT keys and tokens. HS256 with jwt_hs256.key
/// (AuthAltParameters=jwt_key=), RS256 with a private key set published as a JWKS
/// (AuthAltParameters=jwks=): the two ways auth/jwt, which verifies every token slurmrestd
/// and SLURM_JWT pass on, takes keys.
/// Output goes to the invocation's writers so tests can run commands in-process.
/// </summary>
internal static class JwtCommands
{
    private static readonly Option<string?> OwnerOption = new("--owner")
    {
        Description = "SlurmUser: owner given to new key files, and allowed to own the ones read (root and you always are)",
        Recursive = true,
    };

    /// <param name="input">where `jwt verify -` reads the token (standard input unless a test gives one).</param>
    internal static Command Create(TextReader? input = null) => new("jwt", "Slurm JWT keys and tokens (auth/jwt HS256 and RS256)")
    {
        KeygenCommand(), MintCommand(), VerifyCommand(input ?? Console.In), RsaCommand(), OwnerOption,
    };

    private static Command KeygenCommand()
    {
        var path = new Argument<string>("PATH") { Description = "key file to create, e.g. /var/spool/slurmctld/jwt_hs256.key" };
        var force = new Option<bool>("--force") { Description = "replace an existing key (every token signed with it stops verifying)" };
        var command = new Command("keygen", "create jwt_hs256.key: 32 random bytes, mode 0600, for AuthAltParameters=jwt_key=") { path, force };
        command.SetAction(r => Run(r, output =>
        {
            string file = r.GetValue(path)!;
            FileOwner? owner = Owner(r);
            Hs256KeyFile.Create(file, r.GetValue(force), owner);
            output.WriteLine($"created {file} ({Hs256KeyFile.KeySize} random bytes, mode 0600{(owner is null ? "" : $", owner {owner.Name}")})");
            output.WriteLine($"next: AuthAltTypes=auth/jwt and AuthAltParameters=jwt_key={Path.GetFullPath(file)} in slurm.conf and slurmdbd.conf, then restart slurmctld and slurmdbd");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command MintCommand()
    {
        var user = new Option<string>("--user", "-u") { Description = "Slurm user name the token is for (its \"sun\" claim)", Required = true };
        var lifespan = new Option<string>("--lifespan", "-l") { Description = "how long the token is valid: seconds, or 30m, 8h, 1d (default 1800, as scontrol token)" };
        var key = new Option<string?>("--key") { Description = "HS256 jwt_hs256.key to sign with" };
        var rsaKeys = new Option<string?>("--rsa-keys") { Description = "RSA key set to sign with (RS256, its current key's kid in the header)" };
        var raw = new Option<bool>("--raw") { Description = "print only the token, not SLURM_JWT=..." };
        var command = new Command("mint", "sign a token for a user, as `scontrol token username=U lifespan=S` does") { user, lifespan, key, rsaKeys, raw };
        command.SetAction(r => Run(r, output =>
        {
            TimeSpan span = r.GetValue(lifespan) is { } text ? ParseDuration(text, "--lifespan") : SlurmToken.DefaultLifespan;
            string[] sources = [.. new[] { ("--key", r.GetValue(key)), ("--rsa-keys", r.GetValue(rsaKeys)) }.Where(s => s.Item2 is not null).Select(s => s.Item1)];
            if (sources.Length != 1)
                throw new ArgumentException("give exactly one key to sign with: --key jwt_hs256.key or --rsa-keys KEYSET");

            uint? ownerUid = Owner(r)?.Uid;
            string token;
            if (r.GetValue(key) is { } keyPath)
            {
                using HmacKey hmac = Hs256KeyFile.Load(keyPath, ownerUid);
                token = SlurmToken.Mint(r.GetValue(user)!, span, hmac);
            }
            else
            {
                using RsaKeySet set = RsaKeySet.Load(r.GetValue(rsaKeys)!, ownerUid);
                token = SlurmToken.Mint(r.GetValue(user)!, span, set.Current);
            }
            output.WriteLine(r.GetValue(raw) ? token : $"SLURM_JWT={token}");
            return ExitCode.Ok;
        }));
        return command;
    }

    private static Command VerifyCommand(TextReader input)
    {
        var token = new Argument<string?>("TOKEN")
        {
            Description = "token to check; '-' reads it from standard input; left out, $SLURM_JWT (a SLURM_JWT= prefix is accepted)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var key = new Option<string?>("--key") { Description = "HS256 jwt_hs256.key" };
        var jwks = new Option<string?>("--jwks") { Description = "published JWKS (RS256 public keys), as AuthAltParameters=jwks= names" };
        var rsaKeys = new Option<string?>("--rsa-keys") { Description = "RSA key set (its public halves are used)" };
        var command = new Command("verify", "check a token's signature, expiry and user the way Slurm's auth/jwt does; exit 1 if it is refused") { token, key, jwks, rsaKeys };
        command.SetAction(r => Run(r, output =>
        {
            string text = ReadToken(r.GetValue(token), input);
            uint? ownerUid = Owner(r)?.Uid;
            var keys = new List<JwtKey>();
            var owned = new List<IDisposable>();
            try
            {
                if (r.GetValue(key) is { } keyPath)
                {
                    HmacKey hmac = Hs256KeyFile.Load(keyPath, ownerUid);
                    owned.Add(hmac);
                    keys.Add(hmac);
                }
                if (r.GetValue(jwks) is { } jwksPath)
                {
                    IReadOnlyList<RsaKey> published = PublicJwks.Load(jwksPath, ownerUid);
                    owned.AddRange(published);
                    keys.AddRange(published);
                }
                if (r.GetValue(rsaKeys) is { } setPath)
                {
                    RsaKeySet set = RsaKeySet.Load(setPath, ownerUid);
                    owned.Add(set);
                    keys.AddRange(set.Keys);
                }
                if (keys.Count == 0)
                    throw new ArgumentException("give the keys to verify with: --key jwt_hs256.key, --jwks jwks.json, and/or --rsa-keys KEYSET");

                VerifiedToken verified = SlurmToken.Verify(text, keys);
                TimeSpan left = verified.ExpiresAt - DateTimeOffset.UtcNow;
                output.WriteLine($"valid: user {verified.UserName}, {verified.Algorithm}{(verified.KeyId is null ? "" : $" kid {verified.KeyId}")}, issued {SlurmToken.Format(verified.IssuedAt)}, expires {SlurmToken.Format(verified.ExpiresAt)} (in {Describe(left)})");
                return ExitCode.Ok;
            }
            finally
            {
                owned.ForEach(o => o.Dispose());
            }
        }));
        return command;
    }

    private static Command RsaCommand()
    {
        var bits = new Option<int>("--bits") { Description = "RSA key size: 2048, 3072 or 4096", DefaultValueFactory = _ => RsaKeySet.DefaultKeySize };

        var initPath = new Argument<string>("KEYSET") { Description = "private key set file to create (mode 0600)" };
        var force = new Option<bool>("--force") { Description = "replace an existing key set (every token it signed stops verifying)" };
        var init = new Command("init", "create an RS256 key set holding one new key") { initPath, bits, force };
        init.SetAction(r => Run(r, output =>
        {
            string path = r.GetValue(initPath)!;
            string kid = RsaKeySet.Create(path, r.GetValue(force), Owner(r), r.GetValue(bits));
            output.WriteLine($"created {path} with key {kid} (RSA {r.GetValue(bits)}, signs from now on)");
            output.WriteLine($"next: slurmnative jwt rsa publish {path} --out /etc/slurm/jwks.json, then AuthAltParameters=jwks=/etc/slurm/jwks.json (add jwt_key= too to keep HS256 and scontrol token) and restart slurmctld and slurmdbd");
            return ExitCode.Ok;
        }));

        var rotatePath = new Argument<string>("KEYSET") { Description = "private key set file" };
        var rotate = new Command("rotate", "add a new signing key; older keys keep verifying the tokens they signed until retired") { rotatePath, bits };
        rotate.SetAction(r => Run(r, output =>
        {
            string path = r.GetValue(rotatePath)!;
            string kid = RsaKeySet.Rotate(path, Owner(r)?.Uid, r.GetValue(bits));
            output.WriteLine($"added key {kid}, which signs from now on; the older keys still verify");
            output.WriteLine($"next: publish again (slurmnative jwt rsa publish {path} --out JWKS) and restart slurmctld and slurmdbd, which read jwks= at startup, before minting tokens with the new key");
            return ExitCode.Ok;
        }));

        var retirePath = new Argument<string>("KEYSET") { Description = "private key set file" };
        var retireKid = new Option<string>("--kid") { Description = "key to remove (see 'rsa list')", Required = true };
        var retire = new Command("retire", "remove an old key: tokens it signed stop verifying once the JWKS is published again") { retirePath, retireKid };
        retire.SetAction(r => Run(r, output =>
        {
            string path = r.GetValue(retirePath)!;
            RsaKeySet.Retire(path, r.GetValue(retireKid)!, Owner(r)?.Uid);
            output.WriteLine($"retired key {r.GetValue(retireKid)}; publish again (slurmnative jwt rsa publish {path} --out JWKS) and restart slurmctld and slurmdbd");
            return ExitCode.Ok;
        }));

        var listPath = new Argument<string>("KEYSET") { Description = "private key set file" };
        var list = new Command("list", "show the keys of a key set (never their private parts)") { listPath };
        list.SetAction(r => Run(r, output =>
        {
            using RsaKeySet set = RsaKeySet.Load(r.GetValue(listPath)!, Owner(r)?.Uid);
            output.WriteLine($"{"KID",-44} {"BITS",-5} {"CREATED",-21} ROLE");
            foreach (RsaKey k in set.Keys)
                output.WriteLine($"{k.KeyId,-44} {k.KeySizeInBits,-5} {(k.Created is { } c ? SlurmToken.Format(c) : "?"),-21} {(k == set.Current ? "signs and verifies" : "verifies")}");
            return ExitCode.Ok;
        }));

        var publishPath = new Argument<string>("KEYSET") { Description = "private key set file" };
        var output = new Option<string>("--out", "-o") { Description = "public JWKS to write (mode 0644), the file AuthAltParameters=jwks= names", Required = true };
        var publish = new Command("publish", "write the public JWKS (kty, alg RS256, use sig, kid, n, e of every key) for slurmctld, slurmdbd and slurmrestd") { publishPath, output };
        publish.SetAction(r => Run(r, writer =>
        {
            string path = r.GetValue(publishPath)!;
            FileOwner? owner = Owner(r);
            RsaKeySet.Publish(path, r.GetValue(output)!, owner, owner?.Uid);
            writer.WriteLine($"wrote {r.GetValue(output)}; copy it to every slurmctld and slurmdbd host and restart them so they load it");
            return ExitCode.Ok;
        }));

        return new Command("rsa", "RS256 key sets for AuthAltParameters=jwks=") { init, rotate, retire, list, publish };
    }

    private static FileOwner? Owner(ParseResult r) => r.GetValue(OwnerOption) is { } name ? FileOwner.FromUserName(name) : null;

    /// <summary>Reads the token without putting it on the command line when possible (ps shows arguments to everyone).</summary>
    private static string ReadToken(string? argument, TextReader stdin)
    {
        string? text = argument switch
        {
            "-" => stdin.ReadLine(),
            null => Environment.GetEnvironmentVariable("SLURM_JWT"),
            _ => argument,
        };
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException(argument is null ? "no token: pass one, '-' to read standard input, or set SLURM_JWT" : "the token given is empty");
        text = text.Trim();
        if (text.StartsWith("export ", StringComparison.Ordinal))
            text = text["export ".Length..].TrimStart();
        // `scontrol token` and `jwt mint` print SLURM_JWT=...; accept that line as it is.
        if (text.StartsWith("SLURM_JWT=", StringComparison.Ordinal))
            text = text["SLURM_JWT=".Length..];
        return text;
    }

    /// <summary>Seconds, or a number with s, m, h or d.</summary>
    internal static TimeSpan ParseDuration(string text, string what)
    {
        string t = text.Trim();
        long multiplier = 1;
        if (t.Length > 0 && char.IsAsciiLetter(t[^1]))
        {
            multiplier = char.ToLowerInvariant(t[^1]) switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => 0,
            };
            t = t[..^1];
        }
        if (multiplier == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count <= 0 || count > int.MaxValue / multiplier)
            throw new ArgumentException($"{what} '{text}' is not a duration: give seconds (1800) or a number with s, m, h or d (30m, 8h, 1d), at most {int.MaxValue} seconds");
        return TimeSpan.FromSeconds(count * multiplier);
    }

    /// <summary>Unix seconds, an ISO 8601 date/time (UTC unless it says otherwise), or a duration from now.</summary>
    internal static DateTimeOffset ParseTime(string text)
    {
        string t = text.Trim();
        if (t.Length > 0 && t.All(char.IsAsciiDigit) && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long unix) && unix <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        if (t.Length > 1 && char.IsAsciiDigit(t[0]) && char.IsAsciiLetter(t[^1]) && t[..^1].All(char.IsAsciiDigit))
            return DateTimeOffset.UtcNow + ParseDuration(t, "--expires");
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
            return when;
        throw new ArgumentException($"--expires '{text}' is not a time: give Unix seconds, an ISO 8601 date/time such as 2026-01-31T00:00:00Z, or a duration such as 90d");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalSeconds < 1 ? "under a second"
        : span.TotalHours >= 48 ? $"{(int)span.TotalDays}d {span.Hours}h"
        : span.TotalMinutes >= 60 ? $"{(int)span.TotalHours}h {span.Minutes}m"
        : $"{(int)span.TotalMinutes}m {span.Seconds}s";

    /// <summary>Turns expected failures into one line that says what to do, and the CLI's exit codes.</summary>
    private static int Run(ParseResult r, Func<TextWriter, ExitCode> action)
    {
        TextWriter error = r.InvocationConfiguration.Error;
        try
        {
            return (int)action(r.InvocationConfiguration.Output);
        }
        catch (TokenRejectedException e)
        {
            error.WriteLine($"slurmnative: token refused: {e.Message}");
            return (int)ExitCode.Refused;
        }
        catch (Exception e) when (e is JwtKeyException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"slurmnative: {e.Message}");
            return (int)ExitCode.Usage;
        }
    }
}
