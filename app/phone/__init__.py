"""The phone gateway: SIP calls answered, a language chosen by keypad, the caller brought into the call."""
