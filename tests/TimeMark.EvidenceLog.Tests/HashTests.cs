namespace TimeMark.EvidenceLog.Tests;

public class HashTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Constructor_WrongLength_Throws(int length)
    {
        Assert.Throws<ArgumentException>(() => new Hash(new byte[length]));
    }

    [Fact]
    public void Equals_SameBytes_ReturnsTrue()
    {
        byte[] bytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        Assert.Equal(new Hash(bytes), new Hash(bytes));
    }

    [Fact]
    public void Equals_LastByteDiffers_ReturnsFalse()
    {
        byte[] other = new byte[32];
        other[31] = 1;

        Assert.NotEqual(new Hash(new byte[32]), new Hash(other));
    }

    [Fact]
    public void ToBase64_EmptyTreeHash_MatchesStandardBase64()
    {
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", MerkleHash.Empty.ToBase64());
    }

    [Fact]
    public void ToString_EmptyTreeHash_IsLowercaseHex()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", MerkleHash.Empty.ToString());
    }
}
