using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// The settings a broker runs with, after the JSON file, TIMEMARK_ variables and flags were merged, as one
/// canonical JSON text: object members sorted by name (ordinal), no white space, enums by name. The same
/// settings give the same bytes in <c>timemark measure</c> and in <c>timemark serve</c>, so the hash that
/// <c>measure</c> extends into the TPM is the hash of what the broker serves at <c>/attestation</c>.
/// </summary>
/// <remarks>
/// Access passwords are stored and hashed as their SHA-256 (AccessRule.PasswordSha256), so they appear
/// here as hashes: use long random passwords (docs/attestation.md).
/// </remarks>
public sealed class EffectiveConfiguration
{
    private static readonly JsonSerializerOptions Serializer = new()
    {
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private EffectiveConfiguration(string text)
    {
        Text = text;
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The canonical JSON text.</summary>
    public string Text { get; }

    /// <summary>SHA-256 of <see cref="Text"/> in UTF-8, lowercase hex: what is extended into the TPM.</summary>
    public string Hash { get; }

    public static EffectiveConfiguration Of(BrokerOptions options)
    {
        JsonNode node = JsonSerializer.SerializeToNode(options, Serializer) ?? throw new InvalidOperationException("the options serialised to null");
        var text = new StringBuilder();
        WriteSorted(node, text);
        return new EffectiveConfiguration(text.ToString());
    }

    private static void WriteSorted(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonObject members:
                text.Append('{');
                bool first = true;
                foreach (KeyValuePair<string, JsonNode?> member in members.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    if (!first)
                        text.Append(',');
                    first = false;
                    text.Append(JsonSerializer.Serialize(member.Key, Serializer)).Append(':');
                    WriteSorted(member.Value, text);
                }
                text.Append('}');
                break;
            case JsonArray items:
                text.Append('[');
                for (int i = 0; i < items.Count; i++)
                {
                    if (i > 0)
                        text.Append(',');
                    WriteSorted(items[i], text);
                }
                text.Append(']');
                break;
            default:
                text.Append(node?.ToJsonString(Serializer) ?? "null");
                break;
        }
    }
}
