using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// A listening address written HOST:PORT, with an explicit IP address
/// ("0.0.0.0:1883", "127.0.0.1:8080", "[::1]:1883"): the broker binds exactly
/// where it is told, never to every IPv6 address behind the operator's back.
/// </summary>
public readonly record struct Endpoint(IPAddress Address, int Port)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out Endpoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text) || !IPEndPoint.TryParse(text, out IPEndPoint? parsed))
            return false;
        // IPEndPoint.TryParse takes a bare address as port 0; the port must be written.
        if (!text.EndsWith(":" + parsed.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) || parsed.Port == 0)
            return false;
        endpoint = new Endpoint(parsed.Address, parsed.Port);
        return true;
    }

    /// <exception cref="FormatException">The text is not HOST:PORT with an IP address.</exception>
    public static Endpoint Parse(string text) =>
        TryParse(text, out Endpoint? endpoint) ? endpoint.Value : throw new FormatException($"\"{text}\" is not HOST:PORT with an IP address");

    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
