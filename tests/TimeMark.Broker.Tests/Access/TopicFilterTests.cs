using TimeMark.Broker.Access;

namespace TimeMark.Broker.Tests.Access;

public class TopicFilterTests
{
    // Topic names against filters: the examples of MQTT v5 §4.7.1.2, §4.7.1.3 and §4.7.2.
    [Theory]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("#", "$SYS/uptime", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("$SYS/#", "$SYS/uptime", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    public void Covers_TopicName_FollowsTheSpecExamples(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicFilter.Covers(filter, topic));

    [Theory]
    [InlineData("braid/agent/a1/#", "braid/agent/a1/#", true)]
    [InlineData("braid/agent/a1/#", "braid/agent/a1/shadow/+", true)]
    [InlineData("braid/#", "braid/agent/+/shadow/reported/#", true)]
    [InlineData("braid/agent/+/shadow/#", "braid/agent/a1/shadow/reported", true)]
    [InlineData("braid/agent/a1/#", "braid/agent/+/shadow/reported", false)]
    [InlineData("braid/agent/a1/#", "braid/#", false)]
    [InlineData("braid/agent/+/x", "braid/agent/#", false)]
    [InlineData("braid/agent/a1/x", "braid/agent/a1/+", false)]
    public void Covers_Filter_OnlyWhenEveryMatchingTopicIsAllowed(string allowed, string requested, bool expected) =>
        Assert.Equal(expected, TopicFilter.Covers(allowed, requested));

    [Fact]
    public void Covers_EmptyRequest_False() => Assert.False(TopicFilter.Covers("#", ""));

    [Theory]
    [InlineData("sport/tennis/#", true)]
    [InlineData("#", true)]
    [InlineData("+/+", true)]
    [InlineData("sport/+/player1", true)]
    [InlineData("sport/tennis#", false)]
    [InlineData("sport/#/ranking", false)]
    [InlineData("sport+", false)]
    [InlineData("", false)]
    public void IsValid_FollowsSection4_7_1(string filter, bool expected) => Assert.Equal(expected, TopicFilter.IsValid(filter));
}
