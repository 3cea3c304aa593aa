using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TimeMark.Broker.Pipeline;

/// <summary>One rejected message: what, who, when, why. The payload itself is not kept, only its size.</summary>
/// <remarks>
/// Its JSON form, one object with the fields at, publisher, topic, payload_length, reason and detail, is both what
/// GET /rejections lists and a line of the <see cref="RejectionJournal"/>.
/// </remarks>
public sealed record Rejection(DateTimeOffset At, string Publisher, string Topic, int PayloadLength, RejectReason Reason, string Detail)
{
    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("at", At);
        json.WriteString("publisher", Publisher);
        json.WriteString("topic", Topic);
        json.WriteNumber("payload_length", PayloadLength);
        json.WriteString("reason", Reason.ToString());
        json.WriteString("detail", Detail);
        json.WriteEndObject();
    }

    /// <summary>Reads the JSON form back; false for anything else, such as a line cut short by a crash.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out Rejection? rejection)
    {
        rejection = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("at", out JsonElement at) || !at.TryGetDateTimeOffset(out DateTimeOffset when)
                || !root.TryGetProperty("publisher", out JsonElement publisher) || publisher.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("topic", out JsonElement topic) || topic.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("payload_length", out JsonElement length) || !length.TryGetInt32(out int payloadLength)
                || !root.TryGetProperty("reason", out JsonElement reason) || reason.ValueKind != JsonValueKind.String
                || reason.GetString() is not string name || !Enum.TryParse(name, ignoreCase: false, out RejectReason why) || Enum.GetName(why) != name
                || !root.TryGetProperty("detail", out JsonElement detail) || detail.ValueKind != JsonValueKind.String)
            {
                return false;
            }
            rejection = new Rejection(when, publisher.GetString()!, topic.GetString()!, payloadLength, why, detail.GetString()!);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
