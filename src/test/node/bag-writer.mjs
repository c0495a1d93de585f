// What the fixture script's bag writers share: @mcap/core McapWriter's calls (start, registerSchema, registerChannel,
// addMessage), collecting the schemas, channels and messages that end() writes in the bag's own format.
export class BagWriter {
  // encoding: the one message encoding the bag stores (cdr for rosbag2, ros1 for a ROS 1 bag); firstChannel: its ids'
  // start (ROS 1 connection ids count from 0)
  constructor(encoding, firstChannel) {
    this.encoding = encoding;
    this.firstChannel = firstChannel;
    this.schemas = new Map();
    this.channels = new Map();
    this.messages = [];
  }

  async start() {}

  async registerSchema(schema) {
    const id = this.schemas.size + 1;
    this.schemas.set(id, schema);
    return id;
  }

  async registerChannel(channel) {
    const id = this.channels.size + this.firstChannel;
    if (channel.messageEncoding !== this.encoding) {
      throw new Error(`this bag stores ${this.encoding}, not ${channel.messageEncoding}`);
    }
    this.channels.set(id, channel);
    return id;
  }

  async addMessage(message) {
    this.messages.push(message);
  }
}
