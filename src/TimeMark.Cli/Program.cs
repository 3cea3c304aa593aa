using System.CommandLine;
using System.CommandLine.Invocation;
using TimeMark.Cli;
using TimeMark.Cli.Commands;

var root = new RootCommand("timemark: the TimeMark broker (serve), keys, a BRAID device simulator, offline inspect, mark and verify of BRAID datagrams, " +
    "audit of evidence logs, and TPM remote attestation (tpm provision, measure, attest). " +
    "Exit codes: 0 ok, 1 a check failed, 2 usage or input error.")
{
    KeygenCommand.Create(),
    new Command("device", "Act as a BRAID device.") { DeviceSignCommand.Create(), DeviceSimulateCommand.Create() },
    InspectCommand.Create(),
    VerifyCommand.Create(),
    MarkCommand.Create(),
    LogCommand.Create(),
    ServeCommand.Create(),
    MeasureCommand.Create(),
    TpmProvisionCommand.Create(),
    SubscribeCommand.Create(),
    AttestCommand.Create(),
};

ParseResult parseResult = root.Parse(args);
// A bug must not pose as "a check failed" (1), System.CommandLine's code for an
// unhandled exception: without its handler, a bug crashes with the runtime's own code.
// The broker's host handles SIGTERM and Ctrl-C itself, with a graceful stop that flushes the
// evidence log; System.CommandLine's own handler would end the process after a short timeout.
var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };

if (parseResult.Action is ParseErrorAction parseError)
{
    // System.CommandLine exits 1 on a parse error; here 1 means a failed check, so usage errors get 2.
    // The errors alone, with a pointer to help, keep the message readable instead of burying it in the full help text.
    parseError.ShowHelp = false;
    await parseResult.InvokeAsync(configuration);
    configuration.Error.WriteLine("Run 'timemark --help' (or 'timemark <command> --help') for usage.");
    return ExitCodes.UsageOrInputError;
}
return await parseResult.InvokeAsync(configuration);
