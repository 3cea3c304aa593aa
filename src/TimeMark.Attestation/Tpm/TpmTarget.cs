using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace TimeMark.Attestation.Tpm;

/// <summary>How a TPM is reached.</summary>
public enum TpmTransportKind
{
    /// <summary>swtpm's TCP data port: raw TPM 2.0 command bytes.</summary>
    SwtpmTcp,
    /// <summary>swtpm's unix-socket data channel: raw TPM 2.0 command bytes.</summary>
    SwtpmUnixSocket,
    /// <summary>A kernel TPM character device, normally the resource manager /dev/tpmrm0.</summary>
    Device,
}

/// <summary>
/// A TPM named the way tpm2-tools name one (TCTI strings): <c>swtpm:host=127.0.0.1,port=2321</c>,
/// <c>swtpm:port=2321</c>, <c>swtpm:path=/run/swtpm.sock</c> or <c>device:/dev/tpmrm0</c>.
/// </summary>
public sealed class TpmTarget
{
    private TpmTarget(TpmTransportKind kind, string host, int port, string path)
    {
        Kind = kind;
        Host = host;
        Port = port;
        Path = path;
    }

    public TpmTransportKind Kind { get; }

    /// <summary>The swtpm host for <see cref="TpmTransportKind.SwtpmTcp"/>: an IP address or a host name.</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>The unix socket or device path.</summary>
    public string Path { get; }

    /// <exception cref="FormatException">The text does not name a TPM; the message says why.</exception>
    public static TpmTarget Parse(string text) =>
        TryParse(text, out TpmTarget? target, out string error) ? target : throw new FormatException(error);

    public static bool TryParse(string text, [NotNullWhen(true)] out TpmTarget? target, out string error)
    {
        target = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon < 0 ? text : text[..colon];
        string rest = colon < 0 ? "" : text[(colon + 1)..];
        switch (scheme)
        {
            case "device":
                if (!rest.StartsWith('/'))
                {
                    error = "expected device:/dev/tpmrm0 (an absolute path)";
                    return false;
                }
                target = new TpmTarget(TpmTransportKind.Device, "", 0, rest);
                error = "";
                return true;
            case "swtpm":
                return TryParseSwtpm(rest, out target, out error);
            default:
                error = "expected swtpm:host=H,port=P, swtpm:path=SOCKET or device:/dev/tpmrm0";
                return false;
        }
    }

    public override string ToString() => Kind switch
    {
        TpmTransportKind.SwtpmTcp => $"swtpm:host={Host},port={Port.ToString(CultureInfo.InvariantCulture)}",
        TpmTransportKind.SwtpmUnixSocket => $"swtpm:path={Path}",
        _ => $"device:{Path}",
    };

    private static bool TryParseSwtpm(string options, [NotNullWhen(true)] out TpmTarget? target, out string error)
    {
        target = null;
        string host = "127.0.0.1";
        int? port = null;
        string? path = null;
        foreach (string option in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = option.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? option : option[..equals];
            string value = equals < 0 ? "" : option[(equals + 1)..];
            switch (key)
            {
                case "host" when value.Length > 0 && (IPAddress.TryParse(value, out _) || Uri.CheckHostName(value) == UriHostNameType.Dns):
                    host = value;
                    break;
                case "port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number is > 0 and < 65536:
                    port = number;
                    break;
                case "path" when value.StartsWith('/'):
                    path = value;
                    break;
                default:
                    error = $"\"{option}\" is not host=ADDRESS, port=1..65535 or path=/ABSOLUTE/SOCKET";
                    return false;
            }
        }
        if (path is not null && port is not null)
        {
            error = "give either port= (TCP) or path= (unix socket), not both";
            return false;
        }
        if (path is null && port is null)
        {
            error = "swtpm needs port=P or path=SOCKET";
            return false;
        }
        target = path is not null
            ? new TpmTarget(TpmTransportKind.SwtpmUnixSocket, "", 0, path)
            : new TpmTarget(TpmTransportKind.SwtpmTcp, host, port!.Value, "");
        error = "";
        return true;
    }
}
