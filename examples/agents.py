"""A team of agents: each task goes to an idle agent with the skills it needs, most urgent
first; a flaky translator's failed tasks are retried by a colleague."""

from __future__ import annotations

from typing import Any

import actorkit
from actorkit import Actor, ActorSystem, OneForOne, Task

GLOSSARY = {
    "en": {"bonjour": "hello", "merci": "thank you"},
    "fr": {"hello": "bonjour", "thank you": "merci"},
}


class Translator(Actor):
    """Translates into whichever language the task requires; `spawn(capabilities=...)` says
    which languages this one speaks."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            text, language = message.payload
            return GLOSSARY[language][text]
        return None


class FlakyTranslator(Translator):
    """Loses its dictionary on every other task. The system's decider resumes it (state kept,
    failure not counted toward restart intensity) and the task is retried."""

    def __init__(self) -> None:
        self.tasks_seen = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            self.tasks_seen += 1
            if self.tasks_seen % 2:
                raise ConnectionError("lost the dictionary")
        return await super().receive(message)


class Renderer(Actor):
    capabilities = ("gpu",)  # declared by the class: every Renderer is a gpu agent

    def __init__(self) -> None:
        self.order: list[int] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            self.order.append(message.payload)
            return list(self.order)
        return None


async def main() -> dict[str, Any]:
    resume_lost_dictionaries = OneForOne(decider={ConnectionError: "resume"})
    async with ActorSystem("agents", supervisor=resume_lost_dictionaries) as system:
        await system.spawn(Translator, name="ana", capabilities=["en"])
        await system.spawn(Translator, name="bruno", capabilities=["en", "fr"])
        await system.spawn(FlakyTranslator, name="flaky", capabilities=["fr"])
        await system.spawn(Renderer, name="renderer")
        for info in system.agents():
            print(f"{info.path:<10} {info.state:<5} {sorted(info.capabilities)}")

        jobs = [("hello", "fr"), ("merci", "en"), ("thank you", "fr"), ("bonjour", "en")]
        translations = [
            await system.submit(job, priority=1, requires=[job[1]], retries=2, deadline=5.0)
            for job in jobs
        ]
        # One renderer: frame 0 starts at once, then the urgent frame 2 overtakes frame 1.
        frames = [
            await system.submit(frame, priority=priority, requires=["gpu"])
            for frame, priority in [(0, 0), (1, 0), (2, 9)]
        ]

        results = {
            "translations": [await handle for handle in translations],
            "render_order": max([await handle for handle in frames], key=len),
            "retried": sum(handle.attempt > 1 for handle in translations),
            "by_status": system.tasks.by_status,
        }
        for handle, job in zip(translations, jobs, strict=True):
            print(f"{job} -> {await handle!r} (attempt {handle.attempt})")
        print(f"render order: {results['render_order']}")
        print(f"tasks: {results['by_status']}")
        return results


if __name__ == "__main__":
    actorkit.run(main())
