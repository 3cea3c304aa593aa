using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Tests.Tpm;

public sealed class TpmTargetTests
{
    [Theory]
    [InlineData("swtpm:host=127.0.0.1,port=2321", "swtpm:host=127.0.0.1,port=2321")]
    [InlineData("swtpm:port=2321", "swtpm:host=127.0.0.1,port=2321")]
    [InlineData("swtpm:port=2321,host=tpm.example", "swtpm:host=tpm.example,port=2321")]
    [InlineData("swtpm:path=/run/swtpm.sock", "swtpm:path=/run/swtpm.sock")]
    [InlineData("device:/dev/tpmrm0", "device:/dev/tpmrm0")]
    public void Parse_ValidName_GivesCanonicalForm(string text, string canonical) =>
        Assert.Equal(canonical, TpmTarget.Parse(text).ToString());

    [Fact]
    public void Parse_SwtpmTcp_HasHostAndPort()
    {
        TpmTarget target = TpmTarget.Parse("swtpm:host=10.0.0.2,port=2321");
        Assert.Equal((TpmTransportKind.SwtpmTcp, "10.0.0.2", 2321), (target.Kind, target.Host, target.Port));
    }

    [Fact]
    public void Parse_SwtpmPath_IsUnixSocket()
    {
        TpmTarget target = TpmTarget.Parse("swtpm:path=/run/swtpm.sock");
        Assert.Equal((TpmTransportKind.SwtpmUnixSocket, "/run/swtpm.sock"), (target.Kind, target.Path));
    }

    [Fact]
    public void Parse_Device_IsCharacterDevice()
    {
        TpmTarget target = TpmTarget.Parse("device:/dev/tpmrm0");
        Assert.Equal((TpmTransportKind.Device, "/dev/tpmrm0"), (target.Kind, target.Path));
    }

    [Theory]
    [InlineData("", "expected swtpm:")]
    [InlineData("mssim:port=2321", "expected swtpm:")]
    [InlineData("device:dev/tpmrm0", "absolute path")]
    [InlineData("device:", "absolute path")]
    [InlineData("swtpm:", "needs port=P or path=SOCKET")]
    [InlineData("swtpm:host=127.0.0.1", "needs port=P or path=SOCKET")]
    [InlineData("swtpm:port=0", "port=1..65535")]
    [InlineData("swtpm:port=65536", "port=1..65535")]
    [InlineData("swtpm:port=-1", "port=1..65535")]
    [InlineData("swtpm:port=23x", "port=1..65535")]
    [InlineData("swtpm:host=,port=2321", "host=ADDRESS")]
    [InlineData("swtpm:host=bad host,port=2321", "host=ADDRESS")]
    [InlineData("swtpm:path=relative.sock", "path=/ABSOLUTE/SOCKET")]
    [InlineData("swtpm:port=2321,path=/run/x.sock", "not both")]
    [InlineData("swtpm:speed=fast", "\"speed=fast\"")]
    public void TryParse_InvalidName_ReturnsFalseWithReason(string text, string reason)
    {
        Assert.False(TpmTarget.TryParse(text, out TpmTarget? target, out string error));
        Assert.Null(target);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidName_ThrowsFormatExceptionWithReason()
    {
        var failure = Assert.Throws<FormatException>(() => TpmTarget.Parse("swtpm:port=0"));
        Assert.Contains("port=1..65535", failure.Message, StringComparison.Ordinal);
    }
}
