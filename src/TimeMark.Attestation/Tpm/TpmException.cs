namespace TimeMark.Attestation.Tpm;

/// <summary>A TPM command failed: the TPM could not be reached, did not answer in time, answered garbage,
/// or returned an error response code (<see cref="ResponseCode"/>, named in the message).</summary>
public sealed class TpmException : Exception
{
    public TpmException()
        : this("the TPM command failed")
    {
    }

    public TpmException(string message)
        : base(message)
    {
    }

    public TpmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TpmException(string message, uint responseCode)
        : base(message)
    {
        ResponseCode = responseCode;
    }

    /// <summary>The TPM_RC the TPM returned; null when the failure was not an error response.</summary>
    public uint? ResponseCode { get; }
}
