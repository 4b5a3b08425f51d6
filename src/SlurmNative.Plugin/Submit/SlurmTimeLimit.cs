using System.Globalization;

namespace SlurmNative.Plugin.Submit;

/// <summary>
/// A job's time limit as the user gave it to srun, sbatch or salloc: on the command line (-t, --time)
/// or in the environment those commands read (SLURM_TIMELIMIT, SBATCH_TIMELIMIT, SALLOC_TIMELIMIT).
/// A limit set only in a batch script's #SBATCH lines, or left to the partition's default, is not seen here.
/// </summary>
internal static class SlurmTimeLimit
{
    /// <summary>Short options of srun, sbatch and salloc that take no value: after them a bare word is the command, not a value.</summary>
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "-h", "-H", "-I", "-k", "-K", "-l", "-O", "-Q", "-s", "-u", "-v", "-vv", "-vvv", "-V", "-X", "-Z" };

    /// <summary>The limit given, null when none was (or it is UNLIMITED).</summary>
    public static TimeSpan? Of(string program, IReadOnlyList<string> arguments, Func<string, string?> environment)
    {
        if (FromArguments(arguments) is { } given)
            return Parse(given);
        string? variable = Path.GetFileName(program) switch
        {
            "srun" => "SLURM_TIMELIMIT",
            "sbatch" => "SBATCH_TIMELIMIT",
            "salloc" => "SALLOC_TIMELIMIT",
            _ => null,
        };
        return variable is not null && environment(variable) is { Length: > 0 } value ? Parse(value) : null;
    }

    /// <summary>The value of the last -t/--time among the options, which end at the first word that is neither an option nor an option's value.</summary>
    private static string? FromArguments(IReadOnlyList<string> arguments)
    {
        string? found = null;
        bool previousTakesValue = false;
        for (int i = 1; i < arguments.Count; i++)
        {
            string word = arguments[i];
            if (word == "--")
                break;
            if (!word.StartsWith('-'))
            {
                if (!previousTakesValue)
                    break;
                previousTakesValue = false;
                continue;
            }
            if ((word == "-t" || word == "--time") && i + 1 < arguments.Count)
            {
                found = arguments[++i];
                previousTakesValue = false;
                continue;
            }
            if (word.StartsWith("--time=", StringComparison.Ordinal))
                found = word["--time=".Length..];
            else if (word.StartsWith("-t", StringComparison.Ordinal) && !word.StartsWith("--", StringComparison.Ordinal))
                found = word[2..];
            previousTakesValue = !word.Contains('=', StringComparison.Ordinal) && !Flags.Contains(word) && (word.StartsWith("--", StringComparison.Ordinal) || word.Length == 2);
        }
        return found;
    }

    /// <summary>
    /// Slurm's forms: minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes,
    /// days-hours:minutes:seconds; UNLIMITED or INFINITE for none. Null for none or for what is not a time.
    /// </summary>
    public static TimeSpan? Parse(string value)
    {
        if (value.Equals("unlimited", StringComparison.OrdinalIgnoreCase) || value.Equals("infinite", StringComparison.OrdinalIgnoreCase))
            return null;
        long days = 0;
        string rest = value;
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!long.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out days))
                return null;
            rest = value[(dash + 1)..];
        }
        string[] parts = rest.Split(':');
        var numbers = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
                return null;
        }
        (long hours, long minutes, long seconds) = (dash >= 0, numbers.Length) switch
        {
            (false, 1) => (0L, numbers[0], 0L),
            (false, 2) => (0L, numbers[0], numbers[1]),
            (false, 3) => (numbers[0], numbers[1], numbers[2]),
            (true, 1) => (numbers[0], 0L, 0L),
            (true, 2) => (numbers[0], numbers[1], 0L),
            (true, 3) => (numbers[0], numbers[1], numbers[2]),
            _ => (-1L, 0L, 0L),
        };
        // Longer than any job runs, and short enough that no sum below overflows.
        const long Bound = 10_000_000;
        if (hours < 0 || days > Bound || hours > Bound || minutes > Bound || seconds > Bound)
            return null;
        return TimeSpan.FromDays(days) + TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
    }
}
