using System.Runtime.InteropServices;

namespace TimeMark.Cli;

/// <summary>
/// A token cancelled by Ctrl-C or SIGTERM, for the long-running verbs.
/// Program turns off System.CommandLine's own signal handling (see there), so
/// each long-running verb says how it stops.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ShutdownSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // stop gracefully instead of the default termination
        _stop.Cancel();
    }
}
