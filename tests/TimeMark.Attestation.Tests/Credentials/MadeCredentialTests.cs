using TimeMark.Attestation.Credentials;

namespace TimeMark.Attestation.Tests.Credentials;

public sealed class MadeCredentialTests
{
    [Fact]
    public void ToTpm2ToolsFile_HeaderThenSizedIdObjectThenSizedSecret()
    {
        var made = new MadeCredential([0xAA, 0xBB, 0xCC], [0x11, 0x22]);
        Assert.Equal("badcc0de" + "00000001" + "0003aabbcc" + "00021122", Convert.ToHexStringLower(made.ToTpm2ToolsFile()));
    }
}
