using TimeMark.Broker.Access;

namespace TimeMark.Broker.Tests.Access;

public class AccessPolicyTests
{
    private static readonly AccessPolicy Policy = new(
    [
        new AccessRule { Identity = "etl", Subscribe = ["braid/agent/+/shadow/reported/#"] },
        new AccessRule { Identity = "hmi", Publish = ["braid/agent/+/shadow/desired/#"], Subscribe = ["braid/#"] },
    ]);

    private static readonly ClientIdentity Agent = new("a1", IsAgent: true);

    [Theory]
    [InlineData("braid/agent/a1/shadow/reported/")]
    [InlineData("braid/agent/a1/anything")]
    public void MayPublish_AgentUnderItsOwnPrefix_True(string topic) => Assert.True(Policy.MayPublish(Agent, topic));

    [Theory]
    [InlineData("braid/agent/a2/shadow/reported/")]
    [InlineData("braid/agent/a1")]
    [InlineData("braid/agent/a10/x")]
    [InlineData("other/topic")]
    public void MayPublish_AgentOutsideItsOwnPrefix_False(string topic) => Assert.False(Policy.MayPublish(Agent, topic));

    [Fact]
    public void MaySubscribe_AgentToItsOwnDesiredState_True() =>
        Assert.True(Policy.MaySubscribe(Agent, "braid/agent/a1/shadow/desired/#"));

    [Fact]
    public void MaySubscribe_AgentToAllAgents_False() =>
        Assert.False(Policy.MaySubscribe(Agent, "braid/agent/+/shadow/reported/#"));

    [Fact]
    public void MaySubscribe_ListedClientWithinItsGrant_True() =>
        Assert.True(Policy.MaySubscribe(new ClientIdentity("etl", false), "braid/agent/a1/shadow/reported/#"));

    [Fact]
    public void MaySubscribe_ListedClientBeyondItsGrant_False() =>
        Assert.False(Policy.MaySubscribe(new ClientIdentity("etl", false), "braid/#"));

    [Fact]
    public void MayPublish_ListedClientWithoutPublishGrant_False() =>
        Assert.False(Policy.MayPublish(new ClientIdentity("etl", false), "braid/agent/a1/shadow/desired/producer"));

    [Fact]
    public void MayPublish_HmiToDesiredState_True() =>
        Assert.True(Policy.MayPublish(new ClientIdentity("hmi", false), "braid/agent/a1/shadow/desired/producer"));

    [Fact]
    public void MayPublish_UnlistedClient_False() =>
        Assert.False(Policy.MayPublish(new ClientIdentity("stranger", false), "braid/agent/a1/x"));

    [Fact]
    public void Lists_NamedAndUnnamedIdentities()
    {
        Assert.True(Policy.Lists("etl"));
        Assert.False(Policy.Lists("stranger"));
    }
}
