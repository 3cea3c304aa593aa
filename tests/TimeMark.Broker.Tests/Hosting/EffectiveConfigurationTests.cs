using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TimeMark.Broker.Access;
using TimeMark.Broker.Hosting;

namespace TimeMark.Broker.Tests.Hosting;

public class EffectiveConfigurationTests
{
    [Fact]
    public void Of_SameSettings_GiveTheSameBytes() =>
        Assert.Equal(EffectiveConfiguration.Of(new BrokerOptions { Mqtt = "127.0.0.1:1883" }).Text,
            EffectiveConfiguration.Of(new BrokerOptions { Mqtt = "127.0.0.1:1883" }).Text);

    [Fact]
    public void Of_AnyChangedSetting_ChangesTheHash()
    {
        string defaults = EffectiveConfiguration.Of(new BrokerOptions()).Hash;
        Assert.NotEqual(defaults, EffectiveConfiguration.Of(new BrokerOptions { Policy = MarkingPolicy.Permissive }).Hash);
        Assert.NotEqual(defaults, EffectiveConfiguration.Of(new BrokerOptions { Access = [new AccessRule { Identity = "etl", Subscribe = ["braid/#"] }] }).Hash);
        Assert.NotEqual(defaults, EffectiveConfiguration.Of(new BrokerOptions { Attestation = { Pcr = 16 } }).Hash);
    }

    [Fact]
    public void Hash_IsSha256OfTheUtf8Text()
    {
        EffectiveConfiguration configuration = EffectiveConfiguration.Of(new BrokerOptions { DataDirectory = "données" });
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configuration.Text))), configuration.Hash);
    }

    [Fact]
    public void Text_IsCompactJsonWithMembersSortedByName()
    {
        string text = EffectiveConfiguration.Of(new BrokerOptions()).Text;
        Assert.DoesNotContain(' ', text);
        Assert.DoesNotContain('\n', text);
        using JsonDocument json = JsonDocument.Parse(text);
        AssertSorted(json.RootElement);
    }

    [Fact]
    public void Text_NamesEnumsAndLeavesOutDerivedValues()
    {
        using JsonDocument json = JsonDocument.Parse(EffectiveConfiguration.Of(new BrokerOptions()).Text);
        Assert.Equal("Strict", json.RootElement.GetProperty("Policy").GetString());
        Assert.False(json.RootElement.GetProperty("Tls").TryGetProperty("IsEnabled", out _));
        Assert.False(json.RootElement.GetProperty("Attestation").TryGetProperty("IsEnabled", out _));
    }

    private static void AssertSorted(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            string[] names = element.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            foreach (JsonProperty property in element.EnumerateObject())
                AssertSorted(property.Value);
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
                AssertSorted(item);
        }
    }
}
