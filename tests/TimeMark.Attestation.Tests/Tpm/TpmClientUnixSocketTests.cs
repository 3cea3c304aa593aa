using System.Diagnostics;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>The unix-socket transport (<c>swtpm:path=…</c>): the harness's TPM, stopped and served again by swtpm on a socket.</summary>
public sealed class TpmClientUnixSocketTests : IAsyncLifetime
{
    private Swtpm _tpm = null!;
    private Process? _socketServer;

    private string SocketPath => Path.Combine(_tpm.Root, "tpm.sock");

    public async Task InitializeAsync()
    {
        _tpm = await Swtpm.StartAsync(provisionAk: false);
        await _tpm.StopAsync();
        var start = new ProcessStartInfo("swtpm") { UseShellExecute = false };
        foreach (string arg in (string[])["socket", "--tpm2", "--server", $"type=unixio,path={SocketPath}",
                     "--ctrl", $"type=unixio,path={Path.Combine(_tpm.Root, "ctrl.sock")}", "--tpmstate", $"dir={_tpm.StateDirectory}",
                     "--flags", "not-need-init,startup-clear"])
            start.ArgumentList.Add(arg);
        _socketServer = Process.Start(start)!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(SocketPath) && !_socketServer.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(20);
    }

    public async Task DisposeAsync()
    {
        if (_socketServer is not null)
        {
            _socketServer.Kill();
            await _socketServer.WaitForExitAsync();
            _socketServer.Dispose();
        }
        await _tpm.DisposeAsync();
    }

    [Fact]
    public async Task ReadPublicAsync_OverUnixSocket_ReadsTheEk()
    {
        await using TpmClient tpm = await TpmClient.ConnectAsync(TpmTarget.Parse($"swtpm:path={SocketPath}"), CancellationToken.None);
        TpmPublicArea ek = await tpm.ReadPublicAsync(Swtpm.RsaEkHandle, CancellationToken.None);
        Assert.Equal(0x0001, ek.Type);
    }
}
