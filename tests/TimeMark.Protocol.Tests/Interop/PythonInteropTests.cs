using System.Diagnostics;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Verification;

using static TimeMark.Protocol.Tests.TestDatagrams;

namespace TimeMark.Protocol.Tests.Interop;

/// <summary>
/// TimeMark against braid.py, an independent implementation on Debian's
/// python3-cbor2, python3-nacl and python3-cryptography (installed by test.sh).
/// </summary>
public class PythonInteropTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Interop", "braid.py");

    private static (int ExitCode, string Output) RunBraid(string arguments, string? input = null)
    {
        var start = new ProcessStartInfo(Python, $"{Script} {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        process.StandardInput.Write(input ?? "");
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "braid.py timed out");
        Assert.True(process.ExitCode is 0 or 1, $"braid.py failed ({process.ExitCode}): {error}");
        return (process.ExitCode, output.Trim());
    }

    [Theory]
    [InlineData("")]
    [InlineData("--definite")]
    public void PythonP256Datagram_VerifiesInTimeMark(string framing)
    {
        var (_, hex) = RunBraid($"device-sign p256 {TestKeys.Path("device-p256.key.pem")} {framing}");
        Assert.True(DatagramVerifier.VerifyDeviceSignature(Read(Convert.FromHexString(hex)), TestKeys.DeviceP256Public));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TimeMarkToken_VerifiesInPyNaCl(bool indefinite)
    {
        var content = new DatagramContent { Ts = 1_700_000_000, Ver = 9, Action = 2, Body = new byte[] { 0xA1, 0x61, 0x74, 0x18, 0x2A } };
        byte[] device = DatagramWriter.Write(content, TestKeys.DeviceP256, indefinite);
        byte[] marked = DatagramMarker.Mark(Read(device), 1_700_000_000_456, 1234, TestKeys.Broker);

        var (exitCode, output) = RunBraid($"verify-token {Convert.ToHexStringLower(TestKeys.BrokerPublic.ExportRawEd25519())}", Convert.ToHexStringLower(marked));
        Assert.Equal((0, "ok"), (exitCode, output));
    }

    [Fact]
    public void TimeMarkToken_WithFlippedLogIndex_FailsInPyNaCl()
    {
        byte[] marked = DatagramMarker.Mark(Read(Vectors.Bytes(Vectors.Ed25519Indefinite)), Vectors.IngestionTime, 1, TestKeys.Broker);
        int logIndexValue = marked.AsSpan().IndexOf("LOG_INDEX"u8) + "LOG_INDEX".Length;
        marked[logIndexValue] = 0x02;

        var (exitCode, _) = RunBraid($"verify-token {Convert.ToHexStringLower(TestKeys.BrokerPublic.ExportRawEd25519())}", Convert.ToHexStringLower(marked));
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public void MosquittoPluginStyleToken_VerifiesInTimeMark()
    {
        // The existing Mosquitto time-mark plugin appends INGESTION_TIME, then signs the
        // indefinite map so far with Ed25519 and appends VERIFICATION_TOKEN; no LOG_INDEX.
        const string brokerSeed = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"; // RFC 8032 TEST 2
        var (_, hex) = RunBraid($"plugin-mark {brokerSeed} 1700000000999", Vectors.Ed25519Indefinite);
        byte[] record = Convert.FromHexString(hex);

        VerificationReport report = RecordVerifier.Verify(record, TestKeys.DeviceEd25519Public, TestKeys.BrokerPublic,
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_001_000));
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Null(Read(record).LogIndex);
    }
}
