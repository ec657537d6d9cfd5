// Anchor 3 of `npm run bench`: a bare NestJS 11 app on its default (express) adapter with one
// route and no middleware, guard, pipe, interceptor or logger: the framework's own floor.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

@Controller()
class LiveController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [LiveController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(Number(process.env['BENCH_PORT']), '127.0.0.1');
  console.log('listening');
}

void main();
