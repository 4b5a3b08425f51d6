namespace SlurmNative.Adversary;

/// <summary>
/// sn-adversary listen --port P --dir D [--answer close|plain|sealed]
///     bind 127.0.0.1:P where the daemon should be; keep each request's MUNGE credential in D;
///     answer nothing, a plain refusal, or a sealed reply carrying this user's own TGT.
/// sn-adversary flood --target HOST:PORT --connections N [--mode idle|drip]
///     hold N connections to the daemon open, sending nothing or a byte at a time, and
///     open a new one for each the daemon closes.
/// Both run until killed (SIGTERM) and print one line of counts when they stop.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        try
        {
            var options = Options.Parse(args.Skip(1));
            using var stop = new CancellationTokenSource();
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            return args.FirstOrDefault() switch
            {
                "listen" => await RogueListener.RunAsync(options, stop.Token),
                "flood" => await ConnectionFlood.RunAsync(options, stop.Token),
                _ => throw new ArgumentException("usage: sn-adversary listen|flood OPTIONS (see Program.cs)"),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sn-adversary: {e.Message}");
            return 2;
        }
    }
}
