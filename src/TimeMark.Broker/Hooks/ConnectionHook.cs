using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TimeMark.Broker.Access;
using TimeMark.Broker.Devices;

namespace TimeMark.Broker.Hooks;

/// <summary>
/// Decides who a connecting client is (MQTT v5 §3.1, CONNECT), and refuses
/// anyone the broker cannot name: with a client certificate, its subject CN;
/// otherwise an agent by its client ID (its datagrams are still checked against
/// its key), or a client of the access list by its username and password.
/// </summary>
public sealed partial class ConnectionHook
{
    /// <summary>The session item holding the <see cref="ClientIdentity"/> decided at CONNECT.</summary>
    public const string IdentityItem = "timemark.identity";

    private readonly DeviceRegistry _devices;
    private readonly AccessPolicy _access;
    private readonly IReadOnlyList<AccessRule> _rules;
    private readonly ILogger<ConnectionHook> _logger;

    public ConnectionHook(DeviceRegistry devices, AccessPolicy access, IReadOnlyList<AccessRule> rules, ILogger<ConnectionHook> logger)
    {
        _devices = devices;
        _access = access;
        _rules = rules;
        _logger = logger;
    }

    public Task ValidateAsync(ValidatingConnectionEventArgs args)
    {
        ClientIdentity? identity = Identify(args.ClientId, args.UserName, args.RawPassword, args.ClientCertificate, out string refusal);
        if (identity is ClientIdentity known)
        {
            string clientId = args.ClientId;
            if (clientId.Length == 0)
            {
                // MQTT v5 §3.1.3.1: a zero-length client ID asks the server to assign one, returned in CONNACK (MQTTnet
                // applies it to v5 clients only; a v3.1.1 client gets 0x02, identifier rejected, as §3.1.3.1 of 3.1.1 allows).
                // Only clients named by username or certificate get here: an agent named by its client ID needs one.
                args.AssignedClientIdentifier = clientId = AssignClientId();
            }
            args.SessionItems[IdentityItem] = known;
            LogAccepted(_logger, clientId, known.Name, known.IsAgent);
        }
        else
        {
            args.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            args.ReasonString = refusal;
            LogRefused(_logger, args.ClientId, args.RemoteEndPoint, refusal);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A fresh client ID for a client that asked for one: "." and 16 random hex digits. No agent ID starts with "."
    /// (docs/broker.md), so an assigned ID never takes over an agent's session.
    /// </summary>
    private static string AssignClientId() => "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Reads the identity a hook stored at CONNECT; null for messages the broker itself injects.</summary>
    public static ClientIdentity? IdentityOf(System.Collections.IDictionary sessionItems) =>
        sessionItems[IdentityItem] is ClientIdentity identity ? identity : null;

    private ClientIdentity? Identify(string clientId, string? userName, byte[]? password, X509Certificate2? certificate, out string refusal)
    {
        refusal = "";
        if (certificate is not null)
        {
            // The TLS layer has already checked the certificate against the device CA.
            string name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (_devices.Find(name).IsKnown)
                return new ClientIdentity(name, IsAgent: true);
            if (_access.Lists(name))
                return new ClientIdentity(name, IsAgent: false);
            // An agent without a key file is known by the key of the certificate the device CA issued it.
            if (_devices.TryRememberCertificateKey(name, certificate, out refusal))
                return new ClientIdentity(name, IsAgent: true);
            return null;
        }

        if (_devices.Find(clientId).IsKnown)
            return new ClientIdentity(clientId, IsAgent: true);
        if (!string.IsNullOrEmpty(userName) && _access.Lists(userName))
        {
            if (PasswordMatches(userName, password))
                return new ClientIdentity(userName, IsAgent: false);
            refusal = $"wrong password for {userName}";
            return null;
        }
        refusal = $"client ID {clientId} is not a registered agent and username \"{userName}\" is not in the access list";
        return null;
    }

    private bool PasswordMatches(string userName, byte[]? password)
    {
        foreach (AccessRule rule in _rules)
        {
            if (rule.Identity != userName || rule.PasswordSha256 is null)
                continue;
            byte[] expected = Convert.FromHexString(rule.PasswordSha256);
            byte[] actual = SHA256.HashData(password ?? []);
            return CryptographicOperations.FixedTimeEquals(expected, actual);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId} connected as {Identity} (agent: {IsAgent})")]
    private static partial void LogAccepted(ILogger logger, string clientId, string identity, bool isAgent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused client {ClientId} from {Endpoint}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string clientId, System.Net.EndPoint? endpoint, string reason);
}
