using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Devices;

/// <summary>
/// The devices the broker knows: one public key per agent, read from
/// <c>{folder}/{ID}.pem</c>. Parsed keys are cached, because importing a key
/// costs more than a verification; a change to the folder (seen through the
/// file-system watcher) drops the cached entry, so the next message reads the
/// file again, without a restart. Absent and broken files are cached too, so a
/// flood from an unknown device does not turn into a flood of disk reads; an I/O
/// error that may pass (too many open files, say) is not, so the device is not
/// refused after it has passed.
/// </summary>
/// <remarks>
/// A replaced key is not disposed: a verification on another thread may still
/// be using it, and its native handle is released by its finalizer.
/// </remarks>
public sealed partial class DeviceRegistry : IDisposable
{
    private const string KeyExtension = ".pem";

    private readonly string _folder;
    private readonly ILogger<DeviceRegistry> _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly ConcurrentDictionary<string, DeviceKeyLookup> _cache = new(StringComparer.Ordinal);

    // Keys of TLS client certificates from the device CA, for agents without a key file.
    private readonly ConcurrentDictionary<string, VerifyingKey> _certificateKeys = new(StringComparer.Ordinal);

    public DeviceRegistry(string folder, ILogger<DeviceRegistry> logger)
    {
        _folder = Path.GetFullPath(folder);
        _logger = logger;
        // Created when missing, so that keys added later are watched too.
        Directory.CreateDirectory(_folder);
        _watcher = new FileSystemWatcher(_folder, "*" + KeyExtension)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, e) => Forget(e.Name);
        _watcher.Created += (_, e) => Forget(e.Name);
        _watcher.Deleted += (_, e) => Forget(e.Name);
        _watcher.Renamed += (_, e) => { Forget(e.OldName); Forget(e.Name); };
        // A lost event (watcher buffer overflow) could leave a stale key: forget them all.
        _watcher.Error += (_, _) => _cache.Clear();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>The folder the keys are read from.</summary>
    public string Folder => _folder;

    /// <summary>Finds the key of <paramref name="agentId"/>; the lookup says why when there is none.</summary>
    public DeviceKeyLookup Find(string agentId)
    {
        if (!AgentId.IsValid(agentId))
            return DeviceKeyLookup.Unknown($"\"{agentId}\" is not a valid agent ID");
        if (!_cache.TryGetValue(agentId, out DeviceKeyLookup? fromFile))
        {
            fromFile = Load(agentId, out bool lasting);
            if (lasting)
                fromFile = _cache.GetOrAdd(agentId, fromFile);
        }
        // A key file is an explicit registration and wins over a certificate's key.
        return !fromFile.IsKnown && _certificateKeys.TryGetValue(agentId, out VerifyingKey? fromCertificate)
            ? DeviceKeyLookup.Found(fromCertificate)
            : fromFile;
    }

    /// <summary>
    /// Takes the key of a client certificate that the device CA issued as the key of
    /// <paramref name="agentId"/> (its subject CN), for an agent without a key file.
    /// </summary>
    /// <returns>False, with the reason, when the ID or the certificate's key cannot be used.</returns>
    public bool TryRememberCertificateKey(string agentId, X509Certificate2 certificate, out string reason)
    {
        if (!AgentId.IsValid(agentId))
        {
            reason = $"certificate subject \"{agentId}\" is not a valid agent ID";
            return false;
        }
        try
        {
            VerifyingKey key = VerifyingKey.ImportSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo());
            _certificateKeys[agentId] = key;
            reason = "";
            return true;
        }
        catch (KeyFormatException e)
        {
            reason = $"certificate of {agentId}: {e.Message}";
            return false;
        }
    }

    public void Dispose() => _watcher.Dispose();

    /// <param name="lasting">False when the outcome may change without the file changing (an I/O error): not to be cached.</param>
    private DeviceKeyLookup Load(string agentId, out bool lasting)
    {
        string path = Path.Combine(_folder, agentId + KeyExtension);
        lasting = true;
        try
        {
            VerifyingKey key = KeyFile.ReadVerifyingKey(path);
            LogKeyLoaded(_logger, agentId, key.Algorithm, key.Id);
            return DeviceKeyLookup.Found(key);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return DeviceKeyLookup.Unknown($"no key file {agentId}{KeyExtension} in the devices folder");
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            lasting = false;
            LogKeyNotReadNow(_logger, path, e.Message);
            return DeviceKeyLookup.Unknown($"the key file {agentId}{KeyExtension} cannot be read now: {e.Message}");
        }
        catch (Exception e) when (e is KeyFormatException or UnauthorizedAccessException)
        {
            LogKeyUnreadable(_logger, path, e.Message);
            return DeviceKeyLookup.Unknown($"the key file {agentId}{KeyExtension} cannot be used: {e.Message}");
        }
    }

    private void Forget(string? fileName)
    {
        if (fileName is not null && fileName.EndsWith(KeyExtension, StringComparison.Ordinal))
            _cache.TryRemove(fileName[..^KeyExtension.Length], out _);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {AgentId}: {Algorithm} key {KeyId} loaded")]
    private static partial void LogKeyLoaded(ILogger logger, string agentId, KeyAlgorithm algorithm, KeyId keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device key file {Path} cannot be read now, read again at the device's next message: {Reason}")]
    private static partial void LogKeyNotReadNow(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device key file {Path} cannot be used: {Reason}")]
    private static partial void LogKeyUnreadable(ILogger logger, string path, string reason);
}
