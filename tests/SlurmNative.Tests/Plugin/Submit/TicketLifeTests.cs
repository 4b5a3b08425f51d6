using SlurmNative.Credentials.Kerberos;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;
using SlurmNative.Plugin.Submit;
using SlurmNative.Tests.Plugin.Fakes;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Plugin.Submit;

/// <summary>At submission, whether the ticket can last as long as the job.</summary>
public class TicketLifeTests
{
    [Theory]
    [InlineData("30", 30 * 60)]
    [InlineData("30:15", 30 * 60 + 15)]
    [InlineData("2:00:00", 2 * 3600)]
    [InlineData("1-12", 36 * 3600)]
    [InlineData("1-12:30", 36 * 3600 + 30 * 60)]
    [InlineData("2-00:00:10", 48 * 3600 + 10)]
    public void Slurm_time_limits_are_read_in_all_their_forms(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SlurmTimeLimit.Parse(value));

    [Theory]
    [InlineData("UNLIMITED")]
    [InlineData("infinite")]
    [InlineData("soon")]
    [InlineData("1:2:3:4")]
    [InlineData("99999999999")]
    public void Unlimited_and_unreadable_limits_are_no_limit(string value) =>
        Assert.Null(SlurmTimeLimit.Parse(value));

    [Theory]
    [InlineData(new[] { "/usr/bin/srun", "-N1", "-t", "2:00:00", "sh", "-c", "sleep -t 5" }, 7200)]
    [InlineData(new[] { "srun", "--time=90", "-N", "1", "hostname" }, 5400)]
    [InlineData(new[] { "sbatch", "-t45", "--wrap", "true" }, 2700)]
    [InlineData(new[] { "srun", "-N1", "myprog", "-t", "600" }, -1)] // the program's own -t
    [InlineData(new[] { "srun", "-l", "myprog", "--time", "600" }, -1)]
    public void The_limit_is_taken_from_the_options_and_never_from_the_program(string[] arguments, int seconds)
    {
        TimeSpan? limit = SlurmTimeLimit.Of(arguments[0], arguments, _ => null);
        Assert.Equal(seconds < 0 ? null : TimeSpan.FromSeconds(seconds), limit);
    }

    [Fact]
    public void Without_an_option_the_commands_own_environment_variable_gives_the_limit()
    {
        Assert.Equal(TimeSpan.FromHours(3), SlurmTimeLimit.Of("sbatch", ["sbatch", "job.sh"], name => name == "SBATCH_TIMELIMIT" ? "3:00:00" : null));
        Assert.Null(SlurmTimeLimit.Of("sbatch", ["sbatch", "job.sh"], name => name == "SLURM_TIMELIMIT" ? "3:00:00" : null));
        Assert.Equal(TimeSpan.FromMinutes(10), SlurmTimeLimit.Of("srun", ["srun", "-t", "10", "x"], name => name == "SLURM_TIMELIMIT" ? "3:00:00" : null));
    }

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static TicketTimes Ticket(TimeSpan end, TimeSpan renewTill) =>
        new("alice@TEST", Now, Now + end, Now + renewTill);

    [Fact]
    public void A_ticket_that_cannot_reach_the_end_of_the_job_is_a_warning_that_says_what_to_do()
    {
        var problem = TicketLifeCheck.Judge(Ticket(TimeSpan.FromHours(1), TimeSpan.FromHours(2)), TimeSpan.FromHours(5), null, Now);

        Assert.NotNull(problem);
        Assert.False(problem.Value.Refuse);
        Assert.Contains("the job may run for 5 hours", problem.Value.Message);
        Assert.Contains("kinit -r 5h", problem.Value.Message);
        Assert.Null(TicketLifeCheck.Judge(Ticket(TimeSpan.FromHours(1), TimeSpan.FromDays(7)), TimeSpan.FromHours(5), null, Now));
        Assert.Null(TicketLifeCheck.Judge(Ticket(TimeSpan.FromHours(1), TimeSpan.FromHours(2)), null, null, Now));
    }

    [Fact]
    public void Below_min_ticket_life_the_submission_is_refused()
    {
        var problem = TicketLifeCheck.Judge(Ticket(TimeSpan.FromHours(10), TimeSpan.FromHours(10)), null, TimeSpan.FromDays(2), Now);

        Assert.NotNull(problem);
        Assert.True(problem.Value.Refuse);
        Assert.Contains("this site asks for 2 days (min_ticket_life); run kinit -r 48h", problem.Value.Message);
    }

    [Fact]
    public void Srun_says_so_at_submission_and_with_min_ticket_life_uploads_nothing()
    {
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)) };
        var log = new RecordingPluginLog();
        string[] srun = ["srun", "-t", "4:00:00", "hostname"];

        Assert.Equal(0, new TicketUploader(backend, log, PluginSettings.Defaults, () => srun).Run(new FakeSpankSession(SpankContext.Local)));
        Assert.Contains("user: the Kerberos ticket of alice@SLURMNATIVE.TEST lasts only until", log.All);
        Assert.Single(backend.Uploaded);

        var strict = PluginSettings.Defaults with { MinTicketLife = TimeSpan.FromHours(8) };
        Assert.Equal(-1, new TicketUploader(backend, log, strict, () => srun).Run(new FakeSpankSession(SpankContext.Local)));
        Assert.Single(backend.Uploaded);
    }
}
