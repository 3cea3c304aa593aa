using System.Text;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// The broker's two Ed25519 keys, created on first start in the data folder
/// with mode 0600 and never logged: the time-mark key (VERIFICATION_TOKEN and
/// tm-token) and the log key (checkpoint signatures). They are separate so that
/// each key signs one kind of message only.
/// </summary>
public sealed partial class BrokerKeys : IDisposable
{
    public const string TimeMarkKeyFile = "timemark.key";
    public const string LogKeyFile = "log.key";

    private readonly Key _logKey;

    private BrokerKeys(SigningKey timeMark, SigningKey log, Key logKey, string origin)
    {
        TimeMark = timeMark;
        Log = log;
        _logKey = logKey;
        LogSigner = new NoteSigner(origin, logKey);
    }

    /// <summary>Signs VERIFICATION_TOKEN and tm-token.</summary>
    public SigningKey TimeMark { get; }

    /// <summary>Signs checkpoints, as <see cref="LogSigner"/>.</summary>
    public SigningKey Log { get; }

    /// <summary>The checkpoint signer; its key name is the log origin.</summary>
    public NoteSigner LogSigner { get; }

    /// <summary>Reads both keys from <paramref name="dataDirectory"/>, creating any that is missing.</summary>
    /// <param name="origin">The log origin; empty means "timemark/{time-mark key ID}".</param>
    public static BrokerKeys LoadOrCreate(string dataDirectory, string origin, ILogger logger)
    {
        Directory.CreateDirectory(dataDirectory);
        SigningKey timeMark = LoadOrCreate(Path.Combine(dataDirectory, TimeMarkKeyFile), logger);
        SigningKey log = LoadOrCreate(Path.Combine(dataDirectory, LogKeyFile), logger);
        if (timeMark.Algorithm != KeyAlgorithm.Ed25519 || log.Algorithm != KeyAlgorithm.Ed25519)
            throw new KeyFormatException($"{dataDirectory}: the broker's keys must be Ed25519");

        // NoteSigner takes an NSec key; the PKCS#8 form carries it across without touching raw key bytes here.
        byte[] pem = Encoding.ASCII.GetBytes(log.ExportPkcs8Pem());
        Key logKey;
        try
        {
            logKey = Key.Import(SignatureAlgorithm.Ed25519, pem, KeyBlobFormat.PkixPrivateKeyText);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pem);
        }
        return new BrokerKeys(timeMark, log, logKey, origin.Length > 0 ? origin : $"timemark/{timeMark.PublicKey.Id}");
    }

    public void Dispose()
    {
        TimeMark.Dispose();
        Log.Dispose();
        _logKey.Dispose();
    }

    private static SigningKey LoadOrCreate(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            SigningKey existing = KeyFile.ReadSigningKey(path);
            LogKeyLoaded(logger, path, existing.PublicKey.Id);
            return existing;
        }

        SigningKey created = SigningKey.Generate(KeyAlgorithm.Ed25519);
        KeyFile.WriteSigningKey(path, created);
        LogKeyCreated(logger, path, created.PublicKey.Id);
        return created;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker key {Path} loaded: public key {KeyId}")]
    private static partial void LogKeyLoaded(ILogger logger, string path, KeyId keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker key {Path} created (mode 0600): public key {KeyId}")]
    private static partial void LogKeyCreated(ILogger logger, string path, KeyId keyId);
}
