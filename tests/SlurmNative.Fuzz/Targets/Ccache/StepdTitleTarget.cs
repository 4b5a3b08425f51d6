using System.Text;
using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// A slurmstepd's process title, as the leftover sweep reads it from /proc to learn which steps still
/// run: whoever runs a process can set its title, so any text may arrive. A title taken as a step must
/// keep that step's job's ccaches, since a wrong reading deletes a running job's ticket.
/// </summary>
internal sealed class StepdTitleTarget() : FuzzTarget(
    "stepd-title",
    "RunningSteps.AddTitle: slurmstepd process titles read by the ccache sweep",
    null,
    new MemoryBound(16))
{
    private const string Start = "slurmstepd: [";

    public override Outcome Run(byte[] input)
    {
        string title = Encoding.UTF8.GetString(input);
        var steps = new RunningSteps();
        if (!steps.AddTitle(title))
            return Outcome.Refused;
        if (!title.StartsWith(Start, StringComparison.Ordinal))
            throw new PropertyViolation("a title that is not slurmstepd's was taken as a step");
        string job = new([.. title[Start.Length..].TakeWhile(char.IsAsciiDigit)]);
        if (job.Length == 0 || !steps.Includes(job))
            throw new PropertyViolation($"a title taken as a step of job '{job}' does not keep that job's ccache");
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { Start, "]", ".", "+", "batch", "extern", "interactive", "0", "4294967294" }.Select(Encoding.UTF8.GetBytes).ToArray();

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Gen.OneOf(Start, "slurmstepd: ", "slurmstepd:[", ""), Gen.OneOf("12", "0", "", "4294967296", "1a"),
                Gen.OneOf(".0", ".batch", ".extern", ".interactive", ".", "", ".0+1", ".0+", ".b a", ".\u00e9"), Gen.OneOf("]", "", "]]", "] x", "+"), Gen.Int[0, 12])
            .Select((start, job, step, end, cut) =>
            {
                string title = start + job + step + end;
                return Encoding.UTF8.GetBytes(cut < title.Length ? title[..(title.Length - cut)] : title);
            });
}
