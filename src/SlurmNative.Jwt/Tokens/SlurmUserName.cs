namespace SlurmNative.Jwt.Tokens;

/// <summary>The "sun" claim: a user name Slurm can look up.</summary>
public static class SlurmUserName
{
    /// <summary>
    /// jwt.html defines "sun" as a POSIX.1-2017 user name (portable filename characters,
    /// not starting with '-'). '@' is allowed as well because sites on SSSD/AD resolve
    /// names like alice@example.org; anything else (spaces, ':', '/', control characters)
    /// is refused because no name service would return it.
    /// </summary>
    public static void Validate(string userName)
    {
        if (string.IsNullOrEmpty(userName))
            throw new ArgumentException("user name is empty: name the Slurm user the token is for");
        if (userName.Length > 256)
            throw new ArgumentException("user name is longer than 256 characters");
        if (userName[0] == '-')
            throw new ArgumentException($"user name '{userName}' starts with '-', which POSIX user names may not");
        foreach (char c in userName)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
                throw new ArgumentException($"user name '{string.Concat(userName.Select(x => char.IsControl(x) ? '?' : x))}' has a character a POSIX user name cannot have; use A-Z a-z 0-9 . _ - (and @)");
        }
    }
}
