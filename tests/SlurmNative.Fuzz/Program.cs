using SlurmNative.Fuzz.Commands;

// The fuzzer's command line; README.md in this folder says how to use it.
return args switch
{
    ["fuzz", .. var rest] => FuzzCommand.Run(rest),
    ["run", .. var rest] => RunCommand.Run(rest),
    ["libfuzzer", var target] => LibFuzzerCommand.Run(target),
    ["replay", var target, .. var files] when files.Length > 0 => ReplayCommand.Run(target, files),
    ["list"] => ListCommand.Run(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SlurmNative.Fuzz fuzz [COUNT] [--seed N] [--jobs N] [--target NAME]...   every target (or those named) for COUNT inputs each (default 1000000)
               SlurmNative.Fuzz run TARGET COUNT SEED                                   one target in this process (what fuzz starts per target)
               SlurmNative.Fuzz replay TARGET FILE...                                   run saved inputs and say what each does
               SlurmNative.Fuzz libfuzzer TARGET                                        serve libFuzzer through SharpFuzz (libfuzzer/run.sh starts it)
               SlurmNative.Fuzz list                                                    the targets
        """);
    return 2;
}
