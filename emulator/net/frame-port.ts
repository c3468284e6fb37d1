// Networking is a FramePort (DESIGN.md decision 8): send a frame, receive frames, link up/down.
// The ETH model sees only an EthernetLink; the harness joins the link to a FramePort (usernet,
// TAP, WebSocket) through wrappers (pcap capture, TLS inspector).

export interface FramePort {
  /** A frame from the board (destination MAC first, no FCS). */
  send(frame: Uint8Array): void;
  /** Frames for the board. */
  onReceive(listener: (frame: Uint8Array) => void): void;
  readonly linkUp: boolean;
  onLinkChange(listener: (up: boolean) => void): void;
  close(): Promise<void> | void;
}

/** The model side of the cable: what the MAC sees. */
export interface EthernetLink {
  /** The MAC transmitted a frame (no FCS). */
  transmit(frame: Uint8Array): void;
  /** The harness delivers received frames here, at a slice boundary in virtual time. */
  setReceiver(receiver: (frame: Uint8Array) => void): void;
  readonly linkUp: boolean;
  onLinkChange(listener: (up: boolean) => void): void;
}
