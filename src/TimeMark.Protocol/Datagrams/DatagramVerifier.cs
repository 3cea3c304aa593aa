using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// The two signature checks of the signing rule. Both slice the datagram's own
/// bytes, allocate nothing, and answer true or false; they never throw for a
/// bad signature.
/// </summary>
public static class DatagramVerifier
{
    /// <summary>SIGN over 0xBF ‖ every pair before SIGN ‖ 0xFF, with the device's key.</summary>
    public static bool VerifyDeviceSignature(in Datagram datagram, VerifyingKey deviceKey)
    {
        ArgumentNullException.ThrowIfNull(deviceKey);
        return SigningInput.Verify(datagram.DevicePairs, datagram.Sign.Span, deviceKey);
    }

    /// <summary>
    /// VERIFICATION_TOKEN over 0xBF ‖ every pair before VERIFICATION_TOKEN ‖ 0xFF,
    /// with the broker's Ed25519 key; false when the datagram carries no token.
    /// </summary>
    public static bool VerifyBrokerToken(in Datagram datagram, VerifyingKey brokerKey)
    {
        ArgumentNullException.ThrowIfNull(brokerKey);
        if (datagram.VerificationTokenOffset < 0 || brokerKey.Algorithm != KeyAlgorithm.Ed25519)
            return false;
        return SigningInput.Verify(datagram.MarkedPairs, datagram.VerificationToken.Span, brokerKey);
    }

    /// <summary>The exact bytes signed by the signature stored under <paramref name="field"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="field"/> is not SIGN, or VERIFICATION_TOKEN of a marked datagram.</exception>
    public static byte[] SigningInputFor(in Datagram datagram, DatagramField field) => field switch
    {
        DatagramField.Sign => SigningInput.ToArray(datagram.DevicePairs),
        DatagramField.VerificationToken when datagram.VerificationTokenOffset >= 0 => SigningInput.ToArray(datagram.MarkedPairs),
        _ => throw new ArgumentException("Only SIGN, and VERIFICATION_TOKEN when present, have a signing input.", nameof(field)),
    };
}
