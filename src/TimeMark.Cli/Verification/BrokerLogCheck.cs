using System.Text.Json;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Cli.Verification;

/// <summary>
/// Checks a marked record against the broker's evidence log over its HTTP API:
/// the log's checkpoint signature, the entry at LOG_INDEX holding exactly this
/// record, and the entry's inclusion proof against the checkpoint root. The
/// proof and checkpoint are verified here, with the library's own checks; the
/// broker is trusted only for the keys, unless they are pinned.
/// </summary>
internal sealed class BrokerLogCheck : IDisposable
{
    public const string CheckpointCheck = "log-checkpoint";
    public const string EntryCheck = "log-entry";
    public const string InclusionCheck = "log-inclusion";

    private readonly HttpClient _http;

    public BrokerLogCheck(Uri broker) => _http = new HttpClient { BaseAddress = broker, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The broker's published time-mark key and log verifier key (GET /keys).</summary>
    /// <exception cref="InputException">The broker cannot be reached or answers something else.</exception>
    public async Task<(VerifyingKey TimeMarkKey, NoteVerifier LogKey)> FetchKeysAsync(CancellationToken cancellationToken)
    {
        using JsonDocument keys = JsonDocument.Parse(await GetBytesAsync("keys", cancellationToken).ConfigureAwait(false));
        try
        {
            VerifyingKey timeMark = VerifyingKey.ImportPem(keys.RootElement.GetProperty("timemark_key_pem").GetString());
            if (!NoteVerifier.TryParse(keys.RootElement.GetProperty("log_verifier_key").GetString() ?? "", out NoteVerifier? log, out ParseError error))
                throw new InputException($"{_http.BaseAddress}keys: log_verifier_key is not a signed-note key ({error})");
            return (timeMark, log);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or KeyFormatException)
        {
            throw new InputException($"{_http.BaseAddress}keys: not a TimeMark key document ({e.Message})", e);
        }
    }

    public async Task<IReadOnlyList<Check>> CheckAsync(byte[] record, NoteVerifier logKey, CancellationToken cancellationToken)
    {
        var checks = new List<Check>();
        if (!DatagramReader.TryRead(record, out Datagram datagram, out _) || datagram.LogIndex is not ulong logIndex)
        {
            checks.Add(new Check(EntryCheck, CheckOutcome.Failed, "the record carries no LOG_INDEX, so it names no log entry"));
            return checks;
        }

        byte[] note = await GetBytesAsync("log/checkpoint", cancellationToken).ConfigureAwait(false);
        if (!SignedNote.TryParse(note, out SignedNote? signed, out _) || !signed.Verify([logKey])
            || !Checkpoint.TryParse(signed.Text, out Checkpoint? checkpoint, out _) || checkpoint.Origin != logKey.Name)
        {
            checks.Add(new Check(CheckpointCheck, CheckOutcome.Failed, $"the checkpoint is not signed by {logKey.Format()}"));
            return checks;
        }
        checks.Add(new Check(CheckpointCheck, CheckOutcome.Passed, $"{checkpoint.Origin}, tree size {checkpoint.TreeSize}, signed by {logKey.Name}"));
        if (logIndex >= (ulong)checkpoint.TreeSize)
        {
            checks.Add(new Check(InclusionCheck, CheckOutcome.Failed, $"LOG_INDEX {logIndex} is beyond the checkpoint's {checkpoint.TreeSize} entries; try again after the next checkpoint"));
            return checks;
        }

        byte[] entryBytes = await GetBytesAsync($"log/entries/{logIndex}", cancellationToken).ConfigureAwait(false);
        bool sameRecord = LogEntry.TryParse(entryBytes, out LogEntry? entry, out _)
            && entry.Payload.Span.SequenceEqual(record)
            && entry.IngestionTimeMs == datagram.IngestionTime;
        checks.Add(sameRecord
            ? new Check(EntryCheck, CheckOutcome.Passed, $"entry {logIndex} holds this record, published on {entry!.Topic} by {entry.Publisher}")
            : new Check(EntryCheck, CheckOutcome.Failed, $"entry {logIndex} does not hold this record"));

        byte[] proofJson = await GetBytesAsync($"log/proof/inclusion?index={logIndex}&size={checkpoint.TreeSize}", cancellationToken).ConfigureAwait(false);
        bool included = InclusionProofJson.TryParse(proofJson, out InclusionProofJson? proof, out _)
            && proof.LeafIndex == (long)logIndex && proof.TreeSize == checkpoint.TreeSize
            && proof.Verify(MerkleHash.Leaf(entryBytes), checkpoint.RootHash);
        checks.Add(included
            ? new Check(InclusionCheck, CheckOutcome.Passed, $"entry {logIndex} is in the tree of {checkpoint.TreeSize} (RFC 9162 inclusion proof)")
            : new Check(InclusionCheck, CheckOutcome.Failed, $"the inclusion proof of entry {logIndex} does not lead to the checkpoint root"));
        return checks;
    }

    public void Dispose() => _http.Dispose();

    private async Task<byte[]> GetBytesAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new InputException($"{_http.BaseAddress}{path}: HTTP {(int)response.StatusCode}");
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new InputException($"{_http.BaseAddress}{path}: {e.Message}", e);
        }
    }
}
