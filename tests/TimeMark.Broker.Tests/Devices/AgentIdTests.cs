using TimeMark.Broker.Devices;

namespace TimeMark.Broker.Tests.Devices;

public class AgentIdTests
{
    [Theory]
    [InlineData("agent-01")]
    [InlineData("0123ABCD")]
    [InlineData("a.b_c-d")]
    public void IsValid_LettersDigitsDotUnderscoreDash_True(string id) => Assert.True(AgentId.IsValid(id));

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("ägent")]
    public void IsValid_TopicOrPathSpecialCharacters_False(string id) => Assert.False(AgentId.IsValid(id));

    [Fact]
    public void IsValid_LongerThanLimit_False() => Assert.False(AgentId.IsValid(new string('a', AgentId.MaxLength + 1)));
}
