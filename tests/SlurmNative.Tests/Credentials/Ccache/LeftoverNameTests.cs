using SlurmNative.Credentials.Ccache;

namespace SlurmNative.Tests.Credentials.Ccache;

public sealed class LeftoverNameTests
{
    [Theory]
    [InlineData("krb5cc_1001_slurm12.0", true, 1001u, "12.0")]
    [InlineData("krb5cc_1001_slurm12.batch", true, 1001u, "12.batch")]
    [InlineData("krb5cc_1001_slurm12.batch_ab12cd34", true, 1001u, "12.batch")]
    [InlineData("krb5cc_1001_slurm12.interactive", true, 1001u, "12.interactive")]
    [InlineData("krb5cc_1001_slurm4294967294.4294967294", true, 1001u, "4294967294.4294967294")]
    [InlineData(".krb5cc_1001_slurm12.0.new_ab12cd34", true, 1001u, "12.0")]
    [InlineData(".krb5cc_1001_slurm12.0_ab12cd34.new_zz99zz99", true, 1001u, "12.0")]
    [InlineData("krb5cc_1001", false, 0u, "")]
    [InlineData("krb5cc_1001_slurm12", true, 1001u, "12")] // a job's, shared by its steps
    [InlineData("krb5cc_1001_slurm12_ab12cd34", true, 1001u, "12")]
    [InlineData(".krb5cc_1001_slurm12.new_ab12cd34", true, 1001u, "12")]
    [InlineData("krb5cc_1001_slurm12_short", false, 0u, "")]
    [InlineData("krb5cc_1001_slurm12.new_ab12cd34", false, 0u, "")]
    [InlineData("krb5cc_1001_slurm12.0_short", false, 0u, "")]
    [InlineData("krb5cc_1001_slurm12.0.new_ab12cd34", false, 0u, "")]
    [InlineData("krb5cc_x_slurm12.0", false, 0u, "")]
    [InlineData("krb5cc_1001_slurm12.0 ", false, 0u, "")]
    public void Step_and_job_ccache_names_are_recognised_exactly(string name, bool expected, uint uid, string step)
    {
        Assert.Equal(expected, LeftoverSweep.TryParseName(name, out uint parsedUid, out string parsedStep));
        if (expected)
            Assert.Equal((uid, step), (parsedUid, parsedStep));
    }
}
