import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DemoAsset, DemoAssets } from './demo-assets';

/** GET /demo: the page; /demo/sdk.js: the SDK's browser bundle; /demo/<file>: the page's CSS and script. */
@Controller('demo')
export class DemoPageController {
  constructor(private readonly assets: DemoAssets) {}

  @Get()
  async page(@Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.assets.page());
  }

  @Get('sdk.js')
  async sdk(@Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.assets.sdk());
  }

  @Get(':asset')
  async asset(@Param('asset') name: string, @Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.assets.asset(name));
  }
}

async function send(reply: FastifyReply, asset: DemoAsset): Promise<void> {
  await reply.status(200).headers(asset.headers).send(asset.body);
}
