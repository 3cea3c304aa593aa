using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Tpm;

/// <summary>Whatever goes wrong on the way to the TPM ends in a TpmException naming the TPM, never in a hang.</summary>
public sealed class TpmClientFailureTests
{
    /// <summary>Failures must come long before the 10 s command timeout; this bounds every test here.</summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ConnectAsync_NothingListening_FailsQuicklyNamingTheTarget()
    {
        var target = TpmTarget.Parse($"swtpm:port={UnusedPort()}");
        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<TpmException>(() => TpmClient.ConnectAsync(target, CancellationToken.None));
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
        Assert.StartsWith($"cannot reach the TPM at {target}: ", failure.Message, StringComparison.Ordinal);
        Assert.Null(failure.ResponseCode);
    }

    [Fact]
    public async Task ConnectAsync_MissingUnixSocket_FailsNamingTheTarget()
    {
        var target = TpmTarget.Parse("swtpm:path=/nonexistent/timemark-swtpm.sock");
        var failure = await Assert.ThrowsAsync<TpmException>(() => TpmClient.ConnectAsync(target, CancellationToken.None));
        Assert.StartsWith($"cannot reach the TPM at {target}: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_MissingDevice_FailsNamingTheTarget()
    {
        var target = TpmTarget.Parse("device:/nonexistent/tpmrm0");
        var failure = await Assert.ThrowsAsync<TpmException>(() => TpmClient.ConnectAsync(target, CancellationToken.None));
        Assert.StartsWith($"cannot reach the TPM at {target}: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadClockAsync_TpmKilledMidSession_FailsInsteadOfHanging()
    {
        await using Swtpm swtpm = await Swtpm.StartAsync(provisionAk: false);
        await using TpmClient tpm = await TpmClient.ConnectAsync(TpmTarget.Parse(swtpm.Target), CancellationToken.None);
        await tpm.ReadClockAsync(CancellationToken.None);
        swtpm.Kill();
        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.ReadClockAsync(CancellationToken.None));
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
        Assert.Contains($"TPM2_ReadClock: lost the TPM at {swtpm.Target}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadClockAsync_AfterConnectionLost_FailsAtOnce()
    {
        await using Swtpm swtpm = await Swtpm.StartAsync(provisionAk: false);
        await using TpmClient tpm = await TpmClient.ConnectAsync(TpmTarget.Parse(swtpm.Target), CancellationToken.None);
        swtpm.Kill();
        await Assert.ThrowsAsync<TpmException>(() => tpm.ReadClockAsync(CancellationToken.None));
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.ReadClockAsync(CancellationToken.None));
        Assert.Contains("unusable after an earlier failure", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadClockAsync_TpmNeverAnswers_TimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = TpmTarget.Parse($"swtpm:port={((IPEndPoint)listener.LocalEndpoint).Port}");
        await using TpmClient tpm = await TpmClient.ConnectAsync(target, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        using Socket silent = await listener.AcceptSocketAsync();
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.ReadClockAsync(CancellationToken.None));
        Assert.Contains($"the TPM at {target} did not answer within 0.3 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadClockAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = TpmTarget.Parse($"swtpm:port={((IPEndPoint)listener.LocalEndpoint).Port}");
        await using TpmClient tpm = await TpmClient.ConnectAsync(target, CancellationToken.None);
        using Socket silent = await listener.AcceptSocketAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tpm.ReadClockAsync(cancel.Token)).WaitAsync(Quickly);
    }

    [Theory]
    [InlineData("800100000000")]                           // header says 0 bytes
    [InlineData("80010001000000000000")]                   // header says 65536 + 10 bytes: more than any TPM response
    [InlineData("8001000000140000000000")]                 // says 20 bytes, sends 11, then closes
    [InlineData("80010000000c000000000000")]               // ReadClock response with 2 parameter bytes instead of 25
    [InlineData("c4c40000000a00000000")]                   // unknown tag
    public async Task ReadClockAsync_GarbledResponse_FailsNamingTheTarget(string responseHex)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = TpmTarget.Parse($"swtpm:port={((IPEndPoint)listener.LocalEndpoint).Port}");
        await using TpmClient tpm = await TpmClient.ConnectAsync(target, CancellationToken.None);
        Task answer = AnswerOnceAsync(listener, Convert.FromHexString(responseHex));
        var failure = await Assert.ThrowsAsync<TpmException>(() => tpm.ReadClockAsync(CancellationToken.None)).WaitAsync(Quickly);
        Assert.Contains($"TPM at {target}", failure.Message, StringComparison.Ordinal);
        await answer;
    }

    /// <summary>A fake TPM: reads one command, sends <paramref name="response"/> and hangs up.</summary>
    private static async Task AnswerOnceAsync(TcpListener listener, byte[] response)
    {
        using Socket server = await listener.AcceptSocketAsync();
        await server.ReceiveAsync(new byte[64]);
        await server.SendAsync(response);
        server.Shutdown(SocketShutdown.Both);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
